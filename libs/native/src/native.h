#ifndef HOARD_NATIVE_H
#define HOARD_NATIVE_H
#include <node_api.h>

/* Each adds its functions to the module's exports; 0, or -1 with an exception pending. */
int register_dirscan(napi_env env, napi_value exports);
int register_hash_write(napi_env env, napi_value exports);
int register_hash_read(napi_env env, napi_value exports);
int register_heap_trim(napi_env env, napi_value exports);

/* Fetches the first `n` arguments into `argv`; false, with a TypeError saying `usage`, when fewer came. */
static inline bool get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, const char *usage) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= n) return true;
  napi_throw_type_error(env, NULL, usage);
  return false;
}

#endif
