/* The hoard CLI's and server's native helpers: see dirscan.c, hash-write.c, hash-read.c and heap-trim.c. */
#include <node_api.h>

#include "native.h"

static napi_value init(napi_env env, napi_value exports) {
  if (register_dirscan(env, exports) != 0 || register_hash_write(env, exports) != 0 ||
      register_hash_read(env, exports) != 0 || register_heap_trim(env, exports) != 0)
    return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
