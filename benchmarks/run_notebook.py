"""Execute one notebook headless and print its wall time and the kernel's peak memory as JSON.

Run in its own process so that ``RUSAGE_CHILDREN`` measures exactly this notebook's kernel.
"""

import json
import resource
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def main(path):
    path = Path(path)
    nb = nbformat.read(path, 4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux reports kilobytes
    print(json.dumps({"seconds": round(seconds, 2), "peak_mb": round(peak_kb / 1024, 1)}))


if __name__ == "__main__":
    main(sys.argv[1])
