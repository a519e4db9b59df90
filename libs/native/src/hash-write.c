/*
 * A SHA-256 of a file being written, computed on libuv's thread pool together with the write itself, so that the
 * thread that receives an upload neither hashes nor waits on the disk:
 *
 *   hasher = createHasher(direct, size)                    size: the file's declared size, or -1 when unknown
 *   hashWrite(hasher, fd, [buffer, ...], (errno) => ...)   hashes the buffers in order and writes them after what was
 *                                                          written before (short writes resumed); errno is 0 or the
 *                                                          error of the write
 *   hashFinish(hasher, fd, (errno) => ...)                 writes whatever is still held (direct mode); call once,
 *                                                          after the last hashWrite, before flushing the file
 *   digestHex(hasher)                                      the hex digest of everything hashed; ends the hasher
 *   directBytes(hasher)                                    how many bytes went past the page cache so far
 *
 * One call at a time per hasher (a stream's writes are serialised). OpenSSL is Node's own.
 *
 * Direct mode (direct-write.c) writes large files past the page cache: a stored blob is flushed at once and read
 * seldom, so caching it buys little, while copying every byte into freshly allocated cache pages and writing them
 * back later is most of what a buffered write costs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdlib.h>

#include "direct-write.h"
#include "native.h"

typedef struct {
  napi_async_work work;
  napi_ref owner;   /* keeps the hasher alive while the pool uses it */
  napi_ref buffers; /* keeps the buffers alive while the pool reads them; NULL for a finish */
  napi_ref callback;
  hasher_t *hasher;
  int fd;
  int finish;
  struct iovec *iov;
  uint32_t count;
  int err;
} job_t;

static void hasher_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  hasher_t *h = data;
  if (h->ctx != NULL) EVP_MD_CTX_free(h->ctx);
  stage_give(h->stage);
  free(h);
}

static napi_value create_hasher(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  bool direct = false;
  int64_t size = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if ((argc >= 1 && napi_get_value_bool(env, argv[0], &direct) != napi_ok) ||
      (argc >= 2 && napi_get_value_int64(env, argv[1], &size) != napi_ok)) {
    napi_throw_type_error(env, NULL, "createHasher(direct, size): direct must be a boolean and size a number (-1: unknown)");
    return NULL;
  }
  /* A file declared small is written as it comes: it would not go past the cache, so it needs no staging buffer. */
  if (size >= 0 && size < DIRECT_MIN) direct = false;
  hasher_t *h = calloc(1, sizeof *h);
  if (h == NULL || (h->ctx = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
    if (h != NULL && h->ctx != NULL) EVP_MD_CTX_free(h->ctx);
    free(h);
    napi_throw_error(env, NULL, "cannot start a SHA-256");
    return NULL;
  }
#ifdef O_DIRECT
  h->direct = direct;
#endif
  napi_value out;
  if (napi_create_external(env, h, hasher_finalize, NULL, &out) != napi_ok) {
    hasher_finalize(env, h, NULL);
    return NULL;
  }
  return out;
}

static hasher_t *hasher_of(napi_env env, napi_value value) {
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

static void execute(napi_env env, void *data) {
  (void)env;
  job_t *job = data;
  hasher_t *h = job->hasher;
  if (job->finish) {
    job->err = h->stage != NULL ? stage_finish(h, job->fd) : 0;
    return;
  }
  for (uint32_t i = 0; i < job->count; i++) {
    if (EVP_DigestUpdate(h->ctx, job->iov[i].iov_base, job->iov[i].iov_len) != 1) {
      job->err = EIO;
      return;
    }
  }
  job->err = h->direct || h->stage != NULL ? stage_buffers(h, job->fd, job->iov, job->count) : write_all(job->fd, job->iov, job->count);
}

static void complete(napi_env env, napi_status status, void *data) {
  job_t *job = data;
  napi_value callback, global, arg;
  int err = status == napi_ok ? job->err : ECANCELED;
  if (napi_get_reference_value(env, job->callback, &callback) == napi_ok && napi_get_global(env, &global) == napi_ok &&
      napi_create_int32(env, err, &arg) == napi_ok) {
    napi_call_function(env, global, callback, 1, &arg, NULL);
  }
  napi_delete_reference(env, job->callback);
  if (job->buffers != NULL) napi_delete_reference(env, job->buffers);
  napi_delete_reference(env, job->owner);
  napi_delete_async_work(env, job->work);
  free(job->iov);
  free(job);
}

/* Queues `job` on the thread pool, holding the hasher, the buffers (unless NULL) and the callback until it is done. */
static napi_value queue_job(napi_env env, job_t *job, napi_value owner, napi_value buffers, napi_value callback) {
  napi_value name;
  if (napi_create_reference(env, owner, 1, &job->owner) != napi_ok ||
      (buffers != NULL && napi_create_reference(env, buffers, 1, &job->buffers) != napi_ok) ||
      napi_create_reference(env, callback, 1, &job->callback) != napi_ok ||
      napi_create_string_utf8(env, "hoard:hashWrite", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute, complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    napi_throw_error(env, NULL, "hashWrite: cannot queue the work");
    return NULL; /* the references leak with the job: only on a broken environment */
  }
  return NULL;
}

/* Reads `n` arguments, the hasher (first) and the file descriptor (second), into a new job; NULL with an exception. */
static job_t *new_job(napi_env env, napi_callback_info info, size_t n, napi_value *argv, const char *usage) {
  if (!get_args(env, info, n, argv, usage)) return NULL;
  hasher_t *h = hasher_of(env, argv[0]);
  if (h == NULL) return NULL;
  int32_t fd;
  if (napi_get_value_int32(env, argv[1], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "the file descriptor must be a number");
    return NULL;
  }
  job_t *job = calloc(1, sizeof *job);
  if (job == NULL) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  job->hasher = h;
  job->fd = fd;
  return job;
}

static napi_value hash_write(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  job_t *job = new_job(env, info, 4, argv, "hashWrite(hasher, fd, buffers, callback)");
  if (job == NULL) return NULL;
  uint32_t count;
  bool is_array;
  if (napi_is_array(env, argv[2], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[2], &count) != napi_ok) {
    free(job);
    napi_throw_type_error(env, NULL, "hashWrite: buffers must be an array");
    return NULL;
  }
  if (count > 0 && (job->iov = calloc(count, sizeof *job->iov)) == NULL) {
    free(job);
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  job->count = count;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    bool is_buffer = false;
    if (napi_get_element(env, argv[2], i, &item) != napi_ok || napi_is_buffer(env, item, &is_buffer) != napi_ok || !is_buffer ||
        napi_get_buffer_info(env, item, &job->iov[i].iov_base, &job->iov[i].iov_len) != napi_ok) {
      free(job->iov);
      free(job);
      napi_throw_type_error(env, NULL, "hashWrite: every item of buffers must be a Buffer");
      return NULL;
    }
  }
  return queue_job(env, job, argv[0], argv[2], argv[3]);
}

static napi_value hash_finish(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  job_t *job = new_job(env, info, 3, argv, "hashFinish(hasher, fd, callback)");
  if (job == NULL) return NULL;
  job->finish = 1;
  return queue_job(env, job, argv[0], NULL, argv[2]);
}

static napi_value digest_hex(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "digestHex(hasher)")) return NULL;
  hasher_t *h = hasher_of(env, argv[0]);
  if (h == NULL) return NULL;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  int ok = EVP_DigestFinal_ex(h->ctx, md, &len);
  EVP_MD_CTX_free(h->ctx);
  h->ctx = NULL;
  if (ok != 1) {
    napi_throw_error(env, NULL, "cannot finish the SHA-256");
    return NULL;
  }
  static const char hex[] = "0123456789abcdef";
  char out[EVP_MAX_MD_SIZE * 2];
  for (unsigned int i = 0; i < len; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  napi_value result;
  napi_create_string_latin1(env, out, len * 2, &result);
  return result;
}

static napi_value direct_bytes(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "directBytes(hasher)")) return NULL;
  void *data = NULL;
  if (napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "not a hasher");
    return NULL;
  }
  napi_value result;
  napi_create_int64(env, ((hasher_t *)data)->direct_bytes, &result);
  return result;
}

int register_hash_write(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"createHasher", NULL, create_hasher, NULL, NULL, NULL, napi_default, NULL},
    {"hashWrite", NULL, hash_write, NULL, NULL, NULL, napi_default, NULL},
    {"hashFinish", NULL, hash_finish, NULL, NULL, NULL, napi_default, NULL},
    {"directBytes", NULL, direct_bytes, NULL, NULL, NULL, napi_default, NULL},
    {"digestHex", NULL, digest_hex, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok ? 0 : -1;
}
