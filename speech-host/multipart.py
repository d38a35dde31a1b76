"""multipart/form-data bodies (RFC 7578) parsed with the standard library's MIME parser.

The `cgi` module that used to do this is gone from Python 3.13; the email package reads the
same MIME structure and never raises on malformed input (it records defects instead), so a
bad body becomes a clear 400 rather than an exception.
"""

from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP


class FormError(ValueError):
    """The body is not a usable multipart/form-data form."""


@dataclass
class FilePart:
    filename: str
    content_type: str
    data: bytes


def parse_form(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, FilePart]]:
    """Splits a form into its text fields and its file parts, by field name (first one wins)."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise FormError("Content-Type must be multipart/form-data")
    if "boundary=" not in content_type.lower():
        raise FormError("multipart/form-data without a boundary")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise FormError("the body is not multipart/form-data")
    fields: dict[str, str] = {}
    files: dict[str, FilePart] = {}
    for part in message.iter_parts():
        if part.get_content_disposition() != "form-data":
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            continue
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files.setdefault(name, FilePart(filename, part.get_content_type(), data))
        else:
            fields.setdefault(name, data.decode("utf-8", "replace"))
    if not fields and not files:
        raise FormError("the form has no fields")
    return fields, files
