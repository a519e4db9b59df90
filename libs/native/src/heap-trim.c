/*
 * Gives the C heap's free memory back to the system. glibc keeps what a busy stretch freed (a scan's buffers, its
 * worker threads' arenas) mapped, counted in the process's resident size, until something asks for it again; for a
 * long-lived process that then sits idle (`hoard watch` after its first scan), malloc_trim returns it.
 */
#include <stdbool.h>
#include <stdlib.h> /* defines __GLIBC__ where the C library is glibc's */
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "native.h"

/* trimHeap() -> true when memory was returned to the system (always false where the C library cannot say). */
static napi_value trim_heap(napi_env env, napi_callback_info info) {
  (void)info;
  bool released = false;
#ifdef __GLIBC__
  released = malloc_trim(0) == 1;
#endif
  napi_value result;
  napi_get_boolean(env, released, &result);
  return result;
}

int register_heap_trim(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"trimHeap", NULL, trim_heap, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok ? 0 : -1;
}
