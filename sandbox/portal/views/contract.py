"""The contract (WSDL + XSD set) as one download: what an independent client is built
from. The imports inside the files point at ``?xsd=<name>`` (resolved against the served
WSDL's URL); in the zip they are plain file names, so the set resolves offline from the
folder it is unpacked into."""

from __future__ import annotations

import io
import re
import zipfile

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from sandbox.soap.registry import CONTRACT_DIR

ZIP_NAME = "eeszt-sandbox-szerzodes.zip"
_XSD_IMPORT = re.compile(rb'schemaLocation="\?xsd=([A-Za-z0-9_.-]+\.xsd)"')
# Fixed timestamp: the same contract gives the same bytes (a client can pin its hash).
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def contract_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(CONTRACT_DIR.iterdir()):
            if path.suffix not in (".wsdl", ".xsd"):
                continue
            data = _XSD_IMPORT.sub(rb'schemaLocation="\1"', path.read_bytes())
            archive.writestr(zipfile.ZipInfo(path.name, date_time=_ZIP_TIME), data)
    return buffer.getvalue()


@require_GET
def contract_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(contract_zip(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{ZIP_NAME}"'
    return response
