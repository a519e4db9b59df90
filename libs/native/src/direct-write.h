#ifndef HOARD_DIRECT_WRITE_H
#define HOARD_DIRECT_WRITE_H
/*
 * The state of one hashed write (see hash-write.c) and the disk side of it (direct-write.c): the staging buffer of
 * direct mode, writes past the page cache where the file system allows them, and plain writes otherwise.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* The staging buffer: its size, the alignment of memory, offsets and lengths of direct writes. */
#define STAGE_SIZE (1024 * 1024)
#define ALIGN 4096
/* Smaller files are written through the page cache. */
#define DIRECT_MIN (64 * 1024)
/* Staging buffers kept for reuse: memory already touched costs no page faults. */
#define STAGES_KEPT 32

typedef struct {
  EVP_MD_CTX *ctx; /* NULL once digested */
  int direct;      /* direct mode asked for, and not refused by the file system */
  int direct_on;   /* O_DIRECT is set on the file */
  char *stage;     /* direct mode: bytes not yet written, NULL until the first */
  size_t fill;     /* bytes in stage */
  off_t offset;    /* the file offset of stage[0] */
  int64_t direct_bytes; /* bytes written past the page cache */
} hasher_t;

/* A staging buffer from the pool kept for reuse (aligned, STAGE_SIZE bytes), or NULL when memory is short. */
char *stage_take(void);
/* Gives a staging buffer back to the pool (NULL is fine). */
void stage_give(char *stage);
/* Appends the buffers to the hasher's staging buffer, writing it each time it fills; 0 or an errno. */
int stage_buffers(hasher_t *h, int fd, const struct iovec *iov, uint32_t count);
/* Writes what the staging buffer still holds and clears O_DIRECT; 0 or an errno. */
int stage_finish(hasher_t *h, int fd);
/* Writes every byte of the buffers at the file's position, resuming after short writes; 0 or an errno. */
int write_all(int fd, struct iovec *iov, uint32_t count);

#endif
