"""pytest plugin: let nbval run cells the way Jupyter does, with history stored.

nbval 0.11 executes every cell with ``store_history=False``. IPython decides
whether a trailing ``;`` silences a cell's result by looking at the last
*stored* input, so under nbval ``ax.set_title("…");`` prints
``Text(0.5, 1.0, '…')`` although the committed notebook (executed by
nbclient, ``jupyter execute`` or jupyter-book, which store history) has no
such output: every plotting cell would fail strict nbval. This plugin makes
nbval store history too; nothing else about execution or comparison changes.

Use: ``PYTHONPATH=tests pytest -p nbval_store_history --nbval …``
(``scripts/test.sh`` does).
"""
from __future__ import annotations

from nbval import kernel as _kernel


def _execute_cell_input(self, cell_input, allow_stdin=None):
    return self.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin, stop_on_error=False)


_kernel.RunningKernel.execute_cell_input = _execute_cell_input
