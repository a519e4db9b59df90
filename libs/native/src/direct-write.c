/*
 * The disk side of a hashed write (see hash-write.c). Direct mode writes large files past the page cache (O_DIRECT):
 * the bytes are gathered in an aligned staging buffer and go to the disk in whole aligned blocks straight from it.
 * Files under DIRECT_MIN bytes, the unaligned tail of a larger one, and every write on a file system that refuses
 * O_DIRECT go through the page cache.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "direct-write.h"

static pthread_mutex_t stages_lock = PTHREAD_MUTEX_INITIALIZER;
static char *stages[STAGES_KEPT];
static int stages_free = 0;

char *stage_take(void) {
  char *stage = NULL;
  pthread_mutex_lock(&stages_lock);
  if (stages_free > 0) stage = stages[--stages_free];
  pthread_mutex_unlock(&stages_lock);
  if (stage == NULL && posix_memalign((void **)&stage, ALIGN, STAGE_SIZE) != 0) stage = NULL;
  return stage;
}

void stage_give(char *stage) {
  if (stage == NULL) return;
  pthread_mutex_lock(&stages_lock);
  if (stages_free < STAGES_KEPT) {
    stages[stages_free++] = stage;
    stage = NULL;
  }
  pthread_mutex_unlock(&stages_lock);
  free(stage);
}

/* Sets or clears O_DIRECT on the file; 0 or an errno. */
static int set_direct(hasher_t *h, int fd, int on) {
#ifdef O_DIRECT
  if (h->direct_on == on) return 0;
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, on ? flags | O_DIRECT : flags & ~O_DIRECT) < 0) return errno;
  h->direct_on = on;
  return 0;
#else
  (void)h;
  (void)fd;
  return on ? EINVAL : 0;
#endif
}

/* Writes `len` bytes at `offset` through the page cache; 0 or an errno. */
static int write_buffered(hasher_t *h, int fd, const char *buf, size_t len, off_t offset) {
  int err = set_direct(h, fd, 0);
  while (err == 0 && len > 0) {
    ssize_t n = pwrite(fd, buf, len, offset);
    if (n <= 0) {
      if (n == 0) err = EIO; /* a regular file never takes nothing: do not spin */
      else if (errno != EINTR) err = errno;
      continue;
    }
    buf += n;
    len -= (size_t)n;
    offset += n;
  }
  return err;
}

/*
 * Writes `len` bytes of the staging buffer at `offset`, `len` a multiple of ALIGN, past the page cache. A file system
 * that refuses O_DIRECT (on the flag or on the write) gets this and every later write through the page cache.
 */
static int write_direct(hasher_t *h, int fd, const char *buf, size_t len, off_t offset) {
  if (h->direct && set_direct(h, fd, 1) != 0) h->direct = 0;
  while (h->direct && len > 0) {
    ssize_t n = pwrite(fd, buf, len, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EINVAL) return errno;
      h->direct = 0;
      break;
    }
    if (n == 0) return EIO;
    buf += n;
    len -= (size_t)n;
    offset += n;
    h->direct_bytes += n;
    /* A short write that leaves the rest unaligned: that rest goes through the cache. */
    if (n % ALIGN != 0) break;
  }
  return len == 0 ? 0 : write_buffered(h, fd, buf, len, offset);
}

/* Appends the buffers to the staging buffer, writing it each time it fills. */
int stage_buffers(hasher_t *h, int fd, const struct iovec *iov, uint32_t count) {
  if (h->stage == NULL && (h->stage = stage_take()) == NULL) return ENOMEM;
  for (uint32_t i = 0; i < count; i++) {
    const char *from = iov[i].iov_base;
    size_t left = iov[i].iov_len;
    while (left > 0) {
      size_t n = STAGE_SIZE - h->fill < left ? STAGE_SIZE - h->fill : left;
      memcpy(h->stage + h->fill, from, n);
      h->fill += n;
      from += n;
      left -= n;
      if (h->fill == STAGE_SIZE) {
        int err = write_direct(h, fd, h->stage, STAGE_SIZE, h->offset);
        if (err != 0) return err;
        h->offset += STAGE_SIZE;
        h->fill = 0;
      }
    }
  }
  return 0;
}

/* Writes what the staging buffer still holds: its aligned part direct unless the file is small, the rest cached. */
int stage_finish(hasher_t *h, int fd) {
  int err = 0;
  if (h->fill > 0) {
    size_t aligned = h->offset + (off_t)h->fill >= DIRECT_MIN ? h->fill / ALIGN * ALIGN : 0;
    if (aligned > 0) err = write_direct(h, fd, h->stage, aligned, h->offset);
    if (err == 0) err = write_buffered(h, fd, h->stage + aligned, h->fill - aligned, h->offset + (off_t)aligned);
    if (err == 0) {
      h->offset += (off_t)h->fill;
      h->fill = 0;
    }
  }
  if (err == 0) err = set_direct(h, fd, 0);
  stage_give(h->stage);
  h->stage = NULL;
  return err;
}

/* Writes every byte of the buffers at the file's position, resuming after short writes. */
int write_all(int fd, struct iovec *iov, uint32_t count) {
  int left = (int)count;
  while (left > 0) {
    ssize_t n = writev(fd, iov, left > IOV_MAX ? IOV_MAX : left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    /* Resume after a short write. */
    while (left > 0 && (size_t)n >= iov->iov_len) {
      n -= (ssize_t)iov->iov_len;
      iov++;
      left--;
    }
    if (left > 0) {
      iov->iov_base = (char *)iov->iov_base + n;
      iov->iov_len -= (size_t)n;
    }
  }
  return 0;
}
