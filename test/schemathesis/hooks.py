# Loaded by schemathesis.toml (hooks): media types schemathesis cannot make bodies for by itself, and request bodies
# it cannot send as generated.
from hypothesis import strategies as st

import schemathesis

# The bytes of a resumable (tus) upload: any bytes.
schemathesis.openapi.media_type("application/offset+octet-stream", st.binary(max_size=4096))


# A multipart/form-data field is text: a form field generated as null, a number or a boolean goes out as its text
# ("null", "5", "true"), which is a string and so no longer breaks the schema it was made to break. Such a case tests
# nothing but the serializer, and would report a valid request as a schema-violating one accepted.
@schemathesis.hook.apply_to(name="POST /api/v1/objects/{bucket}")
def filter_body(ctx, body):
    return not isinstance(body, dict) or not any(value is None or isinstance(value, (bool, int, float)) for value in body.values())
