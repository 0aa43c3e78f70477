"""Helpers every peer script uses (imported by file name: each script runs in its peer's venv)."""


def worker_peak_mb(vec):
    """Peak resident memory (VmHWM, MiB) of each AsyncVectorEnv worker process."""
    peaks = []
    for proc in vec.processes:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                line = next(x for x in f if x.startswith("VmHWM:"))
            peaks.append(round(int(line.split()[1]) / 1024, 1))
        except (OSError, StopIteration):
            peaks.append(None)
    return peaks
