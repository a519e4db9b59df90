#ifndef HOARD_NATIVE_H
#define HOARD_NATIVE_H
#include <node_api.h>

/* Each adds its functions to the module's exports; 0, or -1 with an exception pending. */
int register_dirscan(napi_env env, napi_value exports);
int register_hash_write(napi_env env, napi_value exports);

#endif
