"""Progress of an experiment's parallel runs on standard error: a tqdm bar, or one line per run."""

import sys
import time


def with_progress(outputs, total, label, *, unit, progress=True):
    """Yield ``outputs`` unchanged, reporting each one on standard error as it arrives.

    Reporting never changes what is yielded, nor its order.

    Parameters
    ----------
    outputs : iterable
        The runs' outputs, as they finish (a joblib generator).
    total : int
        The number of outputs.
    label : callable
        ``label(index, output) -> str``: what the ``index``-th output (from 0) is, shown
        beside the bar or on its line.
    unit : str
        What one output is (``"loop"``, ``"cell"``), the bar's unit.
    progress : bool, default=True
        False yields the outputs without a word.

    Yields
    ------
    output
        The next output. With tqdm installed a bar counts them (``[12/36]``, the last
        label beside it); without it one line per output says ``[done/total] label
        (seconds since the start)``.
    """
    if not progress:
        yield from outputs
        return
    try:
        from tqdm.auto import tqdm
    except ImportError:
        started = time.perf_counter()
        for index, output in enumerate(outputs):
            print(
                f"[{index + 1}/{total}] {label(index, output)} "
                f"({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
            yield output
        return
    with tqdm(total=total, unit=unit, file=sys.stderr) as bar:
        for index, output in enumerate(outputs):
            bar.set_postfix_str(label(index, output), refresh=False)
            bar.update()
            yield output
