/** Words for a file system error, naming the path rather than the system call. */
export function fileErrorSentence(e: NodeJS.ErrnoException): string {
  const path = e.path ? `${e.path}: ` : '';
  const words: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a directory',
    ENOTDIR: 'a part of the path is not a directory',
    EEXIST: 'already exists',
    ENOSPC: 'no space left on the device',
    EROFS: 'read-only file system',
    EXDEV: 'on another file system',
    ENAMETOOLONG: 'name too long',
    ELOOP: 'too many levels of symbolic links',
  };
  return `${path}${words[e.code ?? ''] ?? e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*$/, '')}`;
}
