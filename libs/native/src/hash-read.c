/*
 * SHA-256 of stored content on libuv's thread pool, so that a scrub hashes on as many cores as the pool has threads
 * while the event loop only hands out the work:
 *
 *   hashRead(hasher, fd, position, length, (errno, bytes) => ...)  reads up to `length` bytes of the file from
 *                                                                  `position` and hashes them; `bytes` is what was
 *                                                                  read (less at the end of the file)
 *   hashUpdate(hasher, [buffer, ...], (errno) => ...)               hashes the buffers in order
 *   digestEach([buffer, ...], (errno, [hex, ...]) => ...)           the digest of each buffer on its own (the
 *                                                                  entries of a pack, many per call)
 *
 * The hasher is the one createHasher makes (hash-write.c; digestHex ends it). One call at a time per hasher. A file
 * is read into a staging buffer kept for reuse, never into JavaScript memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "direct-write.h"
#include "native.h"

typedef enum { READ_FILE, UPDATE, EACH } kind_t;

typedef struct {
  napi_async_work work;
  napi_ref owner;   /* the hasher, NULL for digestEach */
  napi_ref buffers; /* keeps the buffers alive while the pool reads them; NULL for hashRead */
  napi_ref callback;
  kind_t kind;
  hasher_t *hasher;
  int fd;
  int64_t position;
  int64_t length;
  int64_t done; /* bytes read (hashRead) */
  struct iovec *iov;
  uint32_t count;
  unsigned char *digests; /* digestEach: 32 bytes per buffer */
  int err;
} job_t;

static int read_hash(job_t *job) {
  char *buffer = stage_take();
  if (buffer == NULL) return ENOMEM;
  int err = 0;
  while (job->done < job->length) {
    int64_t want = job->length - job->done;
    ssize_t got = pread(job->fd, buffer, want < STAGE_SIZE ? (size_t)want : STAGE_SIZE, job->position + job->done);
    if (got < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    if (got == 0) break;
    if (EVP_DigestUpdate(job->hasher->ctx, buffer, (size_t)got) != 1) {
      err = EIO;
      break;
    }
    job->done += got;
  }
  stage_give(buffer);
  return err;
}

static int digest_each(job_t *job) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (ctx == NULL) return ENOMEM;
  int err = 0;
  for (uint32_t i = 0; i < job->count && err == 0; i++) {
    unsigned int len = 0;
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(ctx, job->iov[i].iov_base, job->iov[i].iov_len) != 1 ||
        EVP_DigestFinal_ex(ctx, job->digests + 32 * i, &len) != 1 || len != 32)
      err = EIO;
  }
  EVP_MD_CTX_free(ctx);
  return err;
}

static void execute(napi_env env, void *data) {
  (void)env;
  job_t *job = data;
  if (job->kind == READ_FILE) {
    job->err = read_hash(job);
  } else if (job->kind == EACH) {
    job->err = digest_each(job);
  } else {
    for (uint32_t i = 0; i < job->count && job->err == 0; i++) {
      if (EVP_DigestUpdate(job->hasher->ctx, job->iov[i].iov_base, job->iov[i].iov_len) != 1) job->err = EIO;
    }
  }
}

static napi_value hex_digests(napi_env env, job_t *job) {
  static const char hex[] = "0123456789abcdef";
  napi_value list;
  if (napi_create_array_with_length(env, job->count, &list) != napi_ok) return NULL;
  for (uint32_t i = 0; i < job->count; i++) {
    char out[64];
    for (int k = 0; k < 32; k++) {
      out[2 * k] = hex[job->digests[32 * i + k] >> 4];
      out[2 * k + 1] = hex[job->digests[32 * i + k] & 15];
    }
    napi_value item;
    if (napi_create_string_latin1(env, out, 64, &item) != napi_ok || napi_set_element(env, list, i, item) != napi_ok) return NULL;
  }
  return list;
}

static void complete(napi_env env, napi_status status, void *data) {
  job_t *job = data;
  napi_value callback, global, argv[2];
  int err = status == napi_ok ? job->err : ECANCELED;
  size_t argc = 1;
  if (napi_get_reference_value(env, job->callback, &callback) == napi_ok && napi_get_global(env, &global) == napi_ok &&
      napi_create_int32(env, err, &argv[0]) == napi_ok) {
    if (job->kind == READ_FILE) argc = napi_create_int64(env, job->done, &argv[1]) == napi_ok ? 2 : 1;
    if (job->kind == EACH && err == 0) argc = (argv[1] = hex_digests(env, job)) != NULL ? 2 : 1;
    napi_call_function(env, global, callback, argc, argv, NULL);
  }
  napi_delete_reference(env, job->callback);
  if (job->buffers != NULL) napi_delete_reference(env, job->buffers);
  if (job->owner != NULL) napi_delete_reference(env, job->owner);
  napi_delete_async_work(env, job->work);
  free(job->digests);
  free(job->iov);
  free(job);
}

static void free_job(job_t *job) {
  free(job->digests);
  free(job->iov);
  free(job);
}

/* Queues `job`, holding the hasher (unless NULL), the buffers (unless NULL) and the callback until it is done. */
static napi_value queue_job(napi_env env, job_t *job, napi_value owner, napi_value buffers, napi_value callback) {
  napi_value name;
  if ((owner != NULL && napi_create_reference(env, owner, 1, &job->owner) != napi_ok) ||
      (buffers != NULL && napi_create_reference(env, buffers, 1, &job->buffers) != napi_ok) ||
      napi_create_reference(env, callback, 1, &job->callback) != napi_ok ||
      napi_create_string_utf8(env, "hoard:hashRead", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute, complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    napi_throw_error(env, NULL, "hashRead: cannot queue the work");
    return NULL; /* the references leak with the job: only on a broken environment */
  }
  return NULL;
}

static job_t *new_job(napi_env env, kind_t kind) {
  job_t *job = calloc(1, sizeof *job);
  if (job == NULL) napi_throw_error(env, "ENOMEM", "out of memory");
  else job->kind = kind;
  return job;
}

/* The hasher of argv[0], still able to hash; NULL with an exception. */
static hasher_t *live_hasher(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "not a hasher");
    return NULL;
  }
  hasher_t *h = data;
  if (h->ctx == NULL) {
    napi_throw_error(env, NULL, "the hasher has already given its digest");
    return NULL;
  }
  return h;
}

/* Fills job->iov and job->count from an array of Buffers; false with an exception. */
static bool take_buffers(napi_env env, job_t *job, napi_value array, const char *what) {
  uint32_t count;
  bool is_array;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array || napi_get_array_length(env, array, &count) != napi_ok) {
    napi_throw_type_error(env, NULL, what);
    return false;
  }
  if (count > 0 && (job->iov = calloc(count, sizeof *job->iov)) == NULL) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return false;
  }
  job->count = count;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    bool is_buffer = false;
    if (napi_get_element(env, array, i, &item) != napi_ok || napi_is_buffer(env, item, &is_buffer) != napi_ok || !is_buffer ||
        napi_get_buffer_info(env, item, &job->iov[i].iov_base, &job->iov[i].iov_len) != napi_ok) {
      napi_throw_type_error(env, NULL, what);
      return false;
    }
  }
  return true;
}

static napi_value hash_read(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv, "hashRead(hasher, fd, position, length, callback)")) return NULL;
  hasher_t *h = live_hasher(env, argv[0]);
  if (h == NULL) return NULL;
  int32_t fd;
  int64_t position, length;
  if (napi_get_value_int32(env, argv[1], &fd) != napi_ok || napi_get_value_int64(env, argv[2], &position) != napi_ok ||
      napi_get_value_int64(env, argv[3], &length) != napi_ok || fd < 0 || position < 0 || length < 0) {
    napi_throw_type_error(env, NULL, "hashRead: fd, position and length must be numbers, 0 or more");
    return NULL;
  }
  job_t *job = new_job(env, READ_FILE);
  if (job == NULL) return NULL;
  job->hasher = h;
  job->fd = fd;
  job->position = position;
  job->length = length;
  return queue_job(env, job, argv[0], NULL, argv[4]);
}

static napi_value hash_update(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, "hashUpdate(hasher, buffers, callback)")) return NULL;
  hasher_t *h = live_hasher(env, argv[0]);
  if (h == NULL) return NULL;
  job_t *job = new_job(env, UPDATE);
  if (job == NULL) return NULL;
  job->hasher = h;
  if (!take_buffers(env, job, argv[1], "hashUpdate: buffers must be an array of Buffers")) {
    free_job(job);
    return NULL;
  }
  return queue_job(env, job, argv[0], argv[1], argv[2]);
}

static napi_value digest_each_call(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, "digestEach(buffers, callback)")) return NULL;
  job_t *job = new_job(env, EACH);
  if (job == NULL) return NULL;
  if (!take_buffers(env, job, argv[0], "digestEach: buffers must be an array of Buffers")) {
    free_job(job);
    return NULL;
  }
  if (job->count > 0 && (job->digests = malloc(32 * (size_t)job->count)) == NULL) {
    free_job(job);
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  return queue_job(env, job, NULL, argv[0], argv[1]);
}

int register_hash_read(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"hashRead", NULL, hash_read, NULL, NULL, NULL, napi_default, NULL},
    {"hashUpdate", NULL, hash_update, NULL, NULL, NULL, napi_default, NULL},
    {"digestEach", NULL, digest_each_call, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok ? 0 : -1;
}
