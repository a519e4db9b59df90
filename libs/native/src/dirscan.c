/*
 * scan(path): lists one directory and lstat()s its entries in a single call.
 *
 * Node's readdirSync + lstatSync cost about twice the system calls themselves (a Stats object with four Dates per
 * file). This returns the whole directory at once, in flat arrays:
 *
 *   names   the entry names joined by NUL ("." and ".." left out), decoded from UTF-8 as Node decodes them;
 *   kinds   one byte per entry, KIND_* below;
 *   errnos  one int32 per entry: 0, or the errno of its failed lstat (e.g. ENOENT when it vanished meanwhile);
 *   stats   STAT_FIELDS int64 per entry, at the offsets STAT_* below (inode and device as their 64 bits, signed);
 *           zero for directories, whose stat is not taken.
 *
 * When the directory itself cannot be listed it returns the errno (a positive number) instead, and the caller
 * raises the error as Node's readdir would.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "native.h"

#ifdef __APPLE__
#define ST_ATIM st_atimespec
#define ST_MTIM st_mtimespec
#define ST_CTIM st_ctimespec
#else
#define ST_ATIM st_atim
#define ST_MTIM st_mtim
#define ST_CTIM st_ctim
#endif

enum { KIND_OTHER = 0, KIND_FILE = 1, KIND_DIR = 2, KIND_LINK = 3 };
/*
 * Where each field of an entry's stat record is, and how many there are. The readers use the same offsets under the
 * same names from STAT in ../index.js; keep the two in step (native.spec.ts checks them on a file of known stat).
 */
enum {
  STAT_SIZE = 0,
  STAT_MTIME_NS = 1,
  STAT_CTIME_NS = 2,
  STAT_INO = 3,
  STAT_DEV = 4,
  STAT_MODE = 5,
  STAT_UID = 6,
  STAT_GID = 7,
  STAT_ATIME_NS = 8,
  STAT_FIELDS = 9
};

typedef struct {
  char *text;
  size_t text_len, text_cap;
  uint8_t *kinds;
  int32_t *errnos;
  int64_t *stats;
  size_t count, cap;
} listing_t;

static void listing_free(listing_t *l) {
  free(l->text);
  free(l->kinds);
  free(l->errnos);
  free(l->stats);
}

static int grow(void **p, size_t size) {
  void *q = realloc(*p, size);
  if (q == NULL) return -1;
  *p = q;
  return 0;
}

/* Room for one more entry with a name of `len` bytes (plus its separator). */
static int reserve(listing_t *l, size_t len) {
  if (l->count == l->cap) {
    size_t cap = l->cap == 0 ? 64 : l->cap * 2;
    if (grow((void **)&l->kinds, cap) || grow((void **)&l->errnos, cap * sizeof(int32_t)) ||
        grow((void **)&l->stats, cap * STAT_FIELDS * sizeof(int64_t)))
      return -1;
    l->cap = cap;
  }
  if (l->text_len + len + 1 > l->text_cap) {
    size_t cap = l->text_cap == 0 ? 4096 : l->text_cap;
    while (l->text_len + len + 1 > cap) cap *= 2;
    if (grow((void **)&l->text, cap)) return -1;
    l->text_cap = cap;
  }
  return 0;
}

static int64_t nanos(struct timespec t) { return (int64_t)t.tv_sec * 1000000000LL + (int64_t)t.tv_nsec; }

static uint8_t kind_of_mode(mode_t mode) {
  if (S_ISREG(mode)) return KIND_FILE;
  if (S_ISDIR(mode)) return KIND_DIR;
  if (S_ISLNK(mode)) return KIND_LINK;
  return KIND_OTHER;
}

/* Lists `dirfd`'s directory into `l`; 0, or an errno. Takes ownership of `dirfd`. */
static int list(int dirfd, listing_t *l) {
  DIR *dir = fdopendir(dirfd);
  if (dir == NULL) {
    int err = errno;
    close(dirfd);
    return err;
  }
  int err = 0;
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(dir);
    if (e == NULL) {
      err = errno;
      break;
    }
    const char *name = e->d_name;
    if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
    size_t len = strlen(name);
    if (reserve(l, len)) {
      err = ENOMEM;
      break;
    }
    size_t i = l->count++;
    memcpy(l->text + l->text_len, name, len + 1);
    l->text_len += len + 1;
    int64_t *st = l->stats + i * STAT_FIELDS;
    memset(st, 0, STAT_FIELDS * sizeof(int64_t));
    l->errnos[i] = 0;
    if (e->d_type == DT_DIR) {
      l->kinds[i] = KIND_DIR;
      continue;
    }
    struct stat s;
    if (fstatat(dirfd, name, &s, AT_SYMLINK_NOFOLLOW) != 0) {
      /* What the listing says, for lack of better. */
      l->kinds[i] = e->d_type == DT_REG ? KIND_FILE : e->d_type == DT_LNK ? KIND_LINK : KIND_OTHER;
      l->errnos[i] = errno;
      continue;
    }
    l->kinds[i] = kind_of_mode(s.st_mode);
    if (l->kinds[i] == KIND_DIR) continue;
    st[STAT_SIZE] = (int64_t)s.st_size;
    st[STAT_MTIME_NS] = nanos(s.ST_MTIM);
    st[STAT_CTIME_NS] = nanos(s.ST_CTIM);
    st[STAT_INO] = (int64_t)s.st_ino;
    st[STAT_DEV] = (int64_t)s.st_dev;
    st[STAT_MODE] = (int64_t)s.st_mode;
    st[STAT_UID] = (int64_t)s.st_uid;
    st[STAT_GID] = (int64_t)s.st_gid;
    st[STAT_ATIME_NS] = nanos(s.ST_ATIM);
  }
  closedir(dir);
  return err;
}

static napi_value typed_copy(napi_env env, napi_typedarray_type type, const void *src, size_t length, size_t bytes) {
  void *data = NULL;
  napi_value buffer, array;
  if (napi_create_arraybuffer(env, bytes, &data, &buffer) != napi_ok) return NULL;
  if (bytes > 0) memcpy(data, src, bytes);
  if (napi_create_typedarray(env, type, length, buffer, 0, &array) != napi_ok) return NULL;
  return array;
}

static napi_value scan(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "scan(path) needs a path")) return NULL;
  size_t path_len = 0;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &path_len) != napi_ok) {
    napi_throw_type_error(env, NULL, "scan(path): the path must be a string");
    return NULL;
  }
  char *path = malloc(path_len + 1);
  if (path == NULL) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[0], path, path_len + 1, &path_len);
  int err = 0;
  listing_t l = {0};
  if (strlen(path) != path_len) {
    err = ENOENT; /* a NUL inside the path names nothing */
  } else {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    err = fd < 0 ? errno : list(fd, &l);
  }
  free(path);
  napi_value result = NULL;
  if (err != 0) {
    napi_create_int32(env, err, &result);
  } else {
    napi_value names, kinds, errnos, stats;
    if (napi_create_object(env, &result) == napi_ok &&
        napi_create_string_utf8(env, l.text == NULL ? "" : l.text, l.text_len == 0 ? 0 : l.text_len - 1, &names) == napi_ok &&
        (kinds = typed_copy(env, napi_uint8_array, l.kinds, l.count, l.count)) != NULL &&
        (errnos = typed_copy(env, napi_int32_array, l.errnos, l.count, l.count * sizeof(int32_t))) != NULL &&
        (stats = typed_copy(env, napi_bigint64_array, l.stats, l.count * STAT_FIELDS, l.count * STAT_FIELDS * sizeof(int64_t))) != NULL) {
      napi_set_named_property(env, result, "names", names);
      napi_set_named_property(env, result, "kinds", kinds);
      napi_set_named_property(env, result, "errnos", errnos);
      napi_set_named_property(env, result, "stats", stats);
    } else {
      result = NULL; /* an exception is pending */
    }
  }
  listing_free(&l);
  return result;
}

int register_dirscan(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "scan", NAPI_AUTO_LENGTH, scan, NULL, &fn) != napi_ok) return -1;
  return napi_set_named_property(env, exports, "scan", fn) == napi_ok ? 0 : -1;
}
