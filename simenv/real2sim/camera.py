"""Camera input: frames from a device, a video file, a stream URL or an image folder.

``CameraSource(source, size)`` yields RGB uint8 frames centre-cropped to the target aspect
ratio and resized to ``size=(height, width)`` (an env's ``camera_size``), optionally undistorted
with given pinhole intrinsics, each with a timestamp in seconds. It never hangs: opening and
reading have timeouts, a live source that stops delivering frames is retried a bounded number
of times and then raises :class:`CameraError` naming the source; a file or folder ends with
``StopIteration`` (or ``read()`` returning ``None``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from simenv.core import check_camera_size

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


class CameraError(RuntimeError):
    """A camera source that cannot be opened or stopped delivering frames."""


@dataclass(frozen=True)
class CameraFrame:
    image: NDArray[np.uint8]  # (H, W, 3) RGB
    timestamp: float  # seconds: video position, or since the source was opened
    index: int


def crop_resize(image: NDArray[Any], size: tuple[int, int]) -> NDArray[Any]:
    """Centre-crop ``image`` to the aspect ratio of ``size=(h, w)``, then resize (area)."""
    h, w = size
    ih, iw = image.shape[:2]
    if ih * w > iw * h:  # too tall
        ch = max(1, round(iw * h / w))
        top = (ih - ch) // 2
        image = image[top : top + ch]
    elif ih * w < iw * h:  # too wide
        cw = max(1, round(ih * w / h))
        left = (iw - cw) // 2
        image = image[:, left : left + cw]
    if image.shape[:2] == (h, w):
        return np.ascontiguousarray(image)
    shrink = image.shape[0] > h
    return cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def _to_rgb(frame: np.ndarray) -> NDArray[Any]:
    if frame.dtype != np.uint8:
        frame = cv2.normalize(frame, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


class CameraSource:
    """RGB frames from ``cv2.VideoCapture`` or an image folder, sized for an env.

    Args:
        source: a device index (``0`` or ``"0"``), a video file, a stream URL
            (``rtsp://``, ``http://`` ...) or a folder of images (read in name order).
        size: ``(height, width)`` of the frames returned (e.g. ``env.unwrapped.camera_size``).
        intrinsics: optional ``{"K": 3×3 camera matrix, "dist": distortion coefficients}``
            of the source at its native resolution (OpenCV convention); frames are undistorted
            before cropping.
        retries: consecutive failed reads of a live source before :class:`CameraError`.
        timeout_s: open/read timeout for streams and devices.
        fps: timestamps for image folders (frame index / fps).
    """

    def __init__(
        self,
        source: int | str | os.PathLike[str],
        size: tuple[int, int] = (84, 84),
        *,
        intrinsics: dict[str, Any] | None = None,
        retries: int = 3,
        timeout_s: float = 5.0,
        fps: float = 10.0,
    ) -> None:
        self._cap: Any = None
        self.size = check_camera_size(size, "size")
        if retries < 0 or timeout_s <= 0 or fps <= 0:
            raise ValueError(
                f"need retries >= 0, timeout_s > 0 and fps > 0; got {retries}, {timeout_s}, {fps}"
            )
        self.retries, self.timeout_s, self.fps = int(retries), float(timeout_s), float(fps)
        self.name = str(source)
        self.kind, self._target = self._classify(source)
        self._intrinsics = self._check_intrinsics(intrinsics)
        self._maps: tuple[np.ndarray, np.ndarray] | None = None
        self._files: list[Path] = []
        self._index = 0
        self._opened = time.monotonic()
        self._open()

    # ------------------------------------------------------------------------- opening
    def _classify(self, source: Any) -> tuple[str, Any]:
        if isinstance(source, (int, np.integer)) and not isinstance(source, bool):
            return "device", int(source)
        if not isinstance(source, (str, os.PathLike)):
            raise ValueError(
                f"camera source must be a device index, video file, URL or image "
                f"folder, got {source!r}"
            )
        text = os.fspath(source)
        if text.isdigit():
            return "device", int(text)
        if "://" in text:
            return "stream", text
        path = Path(text)
        if path.is_dir():
            return "folder", path
        if path.is_file():
            return "file", path
        raise CameraError(
            f"camera source {text!r} not found: not a device index, URL, video file or image folder"
        )

    @staticmethod
    def _check_intrinsics(
        intrinsics: dict[str, Any] | None,
    ) -> tuple[np.ndarray, np.ndarray] | None:
        if intrinsics is None:
            return None
        try:
            K = np.asarray(intrinsics["K"], np.float64)
            dist = np.asarray(intrinsics.get("dist", np.zeros(5)), np.float64).ravel()
        except (KeyError, TypeError, ValueError):
            raise ValueError(
                f"intrinsics must be {{'K': 3x3 matrix, 'dist': coefficients}}, got {intrinsics!r}"
            ) from None
        if K.shape != (3, 3) or not np.all(np.isfinite(K)) or dist.size not in (4, 5, 8, 12, 14):
            raise ValueError(
                f"intrinsics: K must be a finite 3x3 matrix and dist 4/5/8/12/14 "
                f"coefficients; got K {K.shape}, dist {dist.size}"
            )
        return K, dist

    def _open(self) -> None:
        if self.kind == "folder":
            self._files = sorted(
                p for p in self._target.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES
            )
            if not self._files:
                raise CameraError(
                    f"camera source {self.name!r}: the folder has no images "
                    f"({', '.join(IMAGE_SUFFIXES)})"
                )
            return
        ms = int(self.timeout_s * 1000)
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms]
        target = self._target if self.kind == "device" else os.fspath(self._target)
        for attempt in range(self.retries + 1):
            cap = cv2.VideoCapture(target, cv2.CAP_ANY, params)
            if cap.isOpened():
                self._cap = cap
                self._opened = time.monotonic()
                return
            cap.release()
            if self.kind == "file":
                break
            time.sleep(min(0.2 * (attempt + 1), 1.0))
        what = {"device": "camera device", "stream": "stream", "file": "video file"}[self.kind]
        raise CameraError(
            f"cannot open {what} {self.name!r}"
            + ("" if self.kind == "file" else f" after {self.retries + 1} tries")
            + ("" if self.kind != "file" else " (not a video OpenCV can decode)")
        )

    # ------------------------------------------------------------------------- reading
    def _undistort(self, image: np.ndarray) -> np.ndarray:
        if self._intrinsics is None:
            return image
        h, w = image.shape[:2]
        if self._maps is None or self._maps[0].shape[:2] != (h, w):
            K, dist = self._intrinsics
            self._maps = cv2.initUndistortRectifyMap(K, dist, None, K, (w, h), cv2.CV_16SC2)
        map1, map2 = self._maps
        return cv2.remap(image, map1, map2, cv2.INTER_LINEAR)

    def _grab(self) -> tuple[np.ndarray, float] | None:
        if self.kind == "folder":
            if self._index >= len(self._files):
                return None
            path = self._files[self._index]
            image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            if image is None:
                raise CameraError(f"camera source {self.name!r}: cannot read image {path.name}")
            return image, self._index / self.fps
        if self._cap is None:
            raise CameraError(f"camera source {self.name!r} is closed")
        for attempt in range(self.retries + 1):
            ok, image = self._cap.read()
            if ok and image is not None:
                if self.kind == "file":
                    stamp = self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
                else:
                    stamp = time.monotonic() - self._opened
                return image, stamp
            if self.kind == "file":
                return None  # end of the video
            time.sleep(min(0.1 * (attempt + 1), 0.5))
        raise CameraError(
            f"camera source {self.name!r} lost: no frame after {self.retries + 1} tries"
        )

    def read(self) -> CameraFrame | None:
        """The next frame, or ``None`` at the end of a file or folder."""
        got = self._grab()
        if got is None:
            return None
        image, stamp = got
        frame = CameraFrame(
            crop_resize(self._undistort(_to_rgb(image)), self.size), stamp, self._index
        )
        self._index += 1
        return frame

    def __iter__(self) -> Iterator[CameraFrame]:
        while (frame := self.read()) is not None:
            yield frame

    def frames(self, limit: int | None = None, every: int = 1) -> NDArray[np.uint8]:
        """Up to ``limit`` frames (every ``every``-th) as one ``(N, H, W, 3)`` array."""
        out = []
        for frame in self:
            if frame.index % every == 0:
                out.append(frame.image)
                if limit is not None and len(out) >= limit:
                    break
        if not out:
            raise CameraError(f"camera source {self.name!r} gave no frames")
        return np.stack(out)

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def __enter__(self) -> CameraSource:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_cap", None) is not None:
            self.close()


def write_folder(frames: Sequence[np.ndarray], folder: str | os.PathLike[str]) -> Path:
    """Save RGB frames as ``000000.png ...`` (an image-folder camera source)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"{i:06d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    return folder
