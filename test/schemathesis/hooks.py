# Loaded by schemathesis.toml (hooks): media types schemathesis cannot make bodies for by itself.
from hypothesis import strategies as st

import schemathesis

# The bytes of a resumable (tus) upload: any bytes.
schemathesis.openapi.media_type("application/offset+octet-stream", st.binary(max_size=4096))
