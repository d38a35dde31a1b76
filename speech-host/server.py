"""The speech host: OpenAI-compatible POST /v1/audio/transcriptions and GET /health.

Run on a laptop or CI it is the offline stand-in for the GPU host (tiny.en on the CPU); run on a
GPU with a larger model (--model large-v3 --device cuda) it is the production shape. Every bad
request gets a 4xx JSON error in OpenAI's shape and the server goes on serving.

    python server.py [--host 127.0.0.1] [--port 8000]   (port 0: any free port)

It prints one line `speech host listening on http://HOST:PORT` to stdout once the model is loaded.
"""

import argparse
import json
import math
import os
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from multipart import FormError, parse_form
from transcriber import AudioError, Transcriber, Transcription, bundled_model_path

TRANSCRIPTIONS = "/v1/audio/transcriptions"
# OpenAI's own upload limit.
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
RESPONSE_FORMATS = ("json", "verbose_json", "text")
# A client that stalls mid-upload loses its connection instead of holding a thread for ever.
SOCKET_TIMEOUT_SECONDS = 30


class RequestError(Exception):
    def __init__(self, status: HTTPStatus, message: str, param: str | None = None):
        super().__init__(message)
        self.status = status
        self.param = param


def whisper_languages() -> set[str]:
    try:
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        return set(_LANGUAGE_CODES)
    except ImportError:  # a faster-whisper that moved the list: let the model judge
        return set()


class SpeechHostHandler(BaseHTTPRequestHandler):
    server_version = "nerve-speech-host/1"
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT_SECONDS
    transcriber: Transcriber
    model_label: str
    known_languages: set[str]

    def do_GET(self) -> None:
        self.route("GET")

    def do_POST(self) -> None:
        self.route("POST")

    def do_PUT(self) -> None:
        self.route("PUT")

    def do_DELETE(self) -> None:
        self.route("DELETE")

    def route(self, method: str) -> None:
        started = time.monotonic()
        self.status = 0
        path = self.path.split("?", 1)[0]
        try:
            if path == "/health":
                self.expect(method, "GET")
                self.send_json(HTTPStatus.OK, {"status": "ok", "model": self.model_label, "languages": self.transcriber.languages})
            elif path == TRANSCRIPTIONS:
                self.expect(method, "POST")
                self.transcription()
            else:
                raise RequestError(HTTPStatus.NOT_FOUND, f"no route {method} {path}")
        except RequestError as err:
            # A refused body may be left unread on the socket: do not read the next request from it.
            self.close_connection = True
            self.send_json(err.status, openai_error(str(err), err.param))
        except Exception as err:  # a bug must cost one request, never the process
            self.log_message("internal error: %s: %s", type(err).__name__, err)
            self.close_connection = True
            self.send_json(HTTPStatus.INTERNAL_SERVER_ERROR, openai_error("internal error", None, "server_error"))
        finally:
            self.log_message("%s %s %d %.0f ms", method, path, self.status, (time.monotonic() - started) * 1000)

    def expect(self, method: str, allowed: str) -> None:
        if method != allowed:
            raise RequestError(HTTPStatus.METHOD_NOT_ALLOWED, f"use {allowed}")

    def transcription(self) -> None:
        fields, files = self.read_form()
        upload = files.get("file")
        if upload is None:
            raise RequestError(HTTPStatus.BAD_REQUEST, "file is required (an audio file as a form-data file part)", "file")
        if not fields.get("model", "").strip():
            raise RequestError(HTTPStatus.BAD_REQUEST, "model is required", "model")
        response_format = fields.get("response_format", "json")
        if response_format not in RESPONSE_FORMATS:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"response_format must be one of {', '.join(RESPONSE_FORMATS)}", "response_format")
        language = fields.get("language", "").strip().lower() or None
        if language and self.known_languages and language not in self.known_languages:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"language {language!r} is not an ISO-639-1 code Whisper knows", "language")
        temperature = parse_temperature(fields.get("temperature"))
        try:
            result = self.transcriber.transcribe(upload.data, language, fields.get("prompt"), temperature)
        except AudioError as err:
            raise RequestError(HTTPStatus.BAD_REQUEST, str(err), "file") from err
        if response_format == "text":
            self.send_body(HTTPStatus.OK, "text/plain; charset=utf-8", (result.text + "\n").encode("utf-8"))
        elif response_format == "json":
            self.send_json(HTTPStatus.OK, {"text": result.text})
        else:
            self.send_json(HTTPStatus.OK, verbose_json(result))

    def read_form(self):
        content_type = self.headers.get("Content-Type", "")
        if not content_type.lower().startswith("multipart/form-data"):
            raise RequestError(HTTPStatus.BAD_REQUEST, "Content-Type must be multipart/form-data")
        try:
            return parse_form(content_type, self.read_body())
        except FormError as err:
            raise RequestError(HTTPStatus.BAD_REQUEST, str(err)) from err

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, "send the upload with a Content-Length")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, "Content-Length is required") from None
        if length < 0:
            raise RequestError(HTTPStatus.BAD_REQUEST, "bad Content-Length")
        if length > MAX_UPLOAD_BYTES:
            raise RequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"uploads are limited to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB", "file")
        body = self.rfile.read(length)
        if len(body) < length:
            raise RequestError(HTTPStatus.BAD_REQUEST, "the body ended before Content-Length")
        return body

    def send_json(self, status: HTTPStatus, body: dict) -> None:
        self.send_body(status, "application/json", json.dumps(body).encode("utf-8"))

    def send_body(self, status: HTTPStatus, content_type: str, data: bytes) -> None:
        try:
            self.status = status
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client went away; nothing to tell it

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # The base class answers a malformed request line or oversized header in HTML: keep to JSON.
        self.close_connection = True
        # An unparsable request line counts as HTTP/0.9, which has no status line: answer in 1.0.
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.0"
        self.send_json(HTTPStatus(code), openai_error(message or HTTPStatus(code).phrase, None))

    def log_request(self, code="-", size="-") -> None:
        pass  # route() logs each request once, with its time

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        # Paths and timings only: transcripts are callers' words and stay out of the log.
        sys.stderr.write("speech-host: " + (format % args) + "\n")


def parse_temperature(value: str | None) -> float:
    if value is None or value.strip() == "":
        return 0.0
    try:
        temperature = float(value)
    except ValueError:
        raise RequestError(HTTPStatus.BAD_REQUEST, "temperature must be a number between 0 and 1", "temperature") from None
    if not math.isfinite(temperature) or not 0 <= temperature <= 1:
        raise RequestError(HTTPStatus.BAD_REQUEST, "temperature must be a number between 0 and 1", "temperature")
    return temperature


def verbose_json(result: Transcription) -> dict:
    """OpenAI's verbose_json; `language` is the ISO-639-1 code (OpenAI writes the English name)."""
    return {
        "task": "transcribe",
        "language": result.language,
        "duration": result.duration,
        "text": result.text,
        "segments": [vars(segment) for segment in result.segments],
    }


def openai_error(message: str, param: str | None, kind: str = "invalid_request_error") -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": None}}


def exit_at_end_of_stdin() -> None:
    # A parent that dies without stopping us (SIGKILL, a crash) closes our stdin: do not linger
    # holding the port.
    while sys.stdin.buffer.read(4096):
        pass
    os._exit(0)


def main() -> None:
    env = os.environ.get
    parser = argparse.ArgumentParser(description="OpenAI-compatible speech-to-text host (faster-whisper)")
    parser.add_argument("--host", default=env("SPEECH_HOST_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env("SPEECH_HOST_PORT", "8000")))
    parser.add_argument("--model", default=env("SPEECH_HOST_MODEL") or None, help="model path or faster-whisper name; default: the bundled tiny.en")
    parser.add_argument("--device", default=env("SPEECH_HOST_DEVICE", "cpu"), help="cpu, cuda or auto")
    parser.add_argument("--compute-type", default=env("SPEECH_HOST_COMPUTE_TYPE", "default"), help="int8 on CPU, float16 on GPU, ...")
    parser.add_argument("--workers", type=int, default=int(env("SPEECH_HOST_WORKERS", "1")), help="transcriptions at once")
    parser.add_argument("--exit-with-stdin", action="store_true", help="exit when stdin closes (the parent process is gone)")
    parser.add_argument("--cpu-threads", type=int, default=int(env("SPEECH_HOST_CPU_THREADS", "0")), help="0: CTranslate2 decides")
    args = parser.parse_args()

    loading = time.monotonic()
    model = args.model or bundled_model_path()
    compute_type = args.compute_type
    if compute_type == "default":
        compute_type = "int8" if args.device == "cpu" else "default"
    transcriber = Transcriber(model, args.device, compute_type, max(1, args.workers), args.cpu_threads)
    SpeechHostHandler.transcriber = transcriber
    SpeechHostHandler.known_languages = whisper_languages()
    SpeechHostHandler.model_label = name = os.path.basename(model.rstrip("/")) if args.model else "tiny.en"

    server = ThreadingHTTPServer((args.host, args.port), SpeechHostHandler)
    server.daemon_threads = True
    host, port = server.server_address[:2]
    sys.stderr.write(f"speech-host: model {name} on {args.device} ({compute_type}) loaded in {time.monotonic() - loading:.1f} s\n")
    print(f"speech host listening on http://{host}:{port}", flush=True)
    if args.exit_with_stdin:
        threading.Thread(target=exit_at_end_of_stdin, daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
