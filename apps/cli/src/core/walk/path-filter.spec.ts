import { PathFilter } from './path-filter';

describe('PathFilter', () => {
  it('takes everything without patterns', () => {
    const sut = new PathFilter();
    expect([sut.empty, sut.matches('a/b.txt'), sut.matches('.hidden')]).toEqual([true, true, true]);
  });

  it('includes by glob, a pattern without a slash matching a name at any depth, dotfiles too', () => {
    const sut = new PathFilter(['*.jpg', 'docs/**/*.md']);
    expect(['a.jpg', 'x/y/.b.jpg', 'docs/a/b.md', 'docs/a.md', 'other/a.md', 'a.jpeg'].filter((p) => sut.matches(p))).toEqual([
      'a.jpg',
      'x/y/.b.jpg',
      'docs/a/b.md',
      'docs/a.md',
    ]);
  });

  it('leaves out what the gitignore-style excludes name, whatever the includes say', () => {
    const sut = new PathFilter(['*.jpg'], ['thumbs/', 'private.jpg']);
    expect(['a.jpg', 'thumbs/a.jpg', 'x/private.jpg', 'b.txt'].filter((p) => sut.matches(p))).toEqual(['a.jpg']);
  });
});
