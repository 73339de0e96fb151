"""Developer tool: turn a percent-format script into a clean source notebook.

    python tools/py2nb.py draft.py notebooks/NN_name.ipynb

Cells start with ``# %%`` (code) or ``# %% [markdown]`` (markdown, each line
prefixed with ``# ``); ``# %% tags=["parameters"]`` tags the parameters cell.
The notebook is written without outputs and with the ``python3`` kernelspec,
as every source notebook of the compendium must be.
"""

import json
import re
import sys

import nbformat


def convert(text: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "language_info": {"name": "python"}}
    blocks = re.split(r"^# %%", text, flags=re.M)
    for block in blocks[1:]:
        header, _, body = block.partition("\n")
        body = body.strip("\n")
        if "[markdown]" in header:
            lines = [re.sub(r"^# ?", "", line) for line in body.splitlines()]
            nb.cells.append(nbformat.v4.new_markdown_cell("\n".join(lines)))
        else:
            cell = nbformat.v4.new_code_cell(body)
            m = re.search(r"tags=(\[.*\])", header)
            if m:
                cell.metadata["tags"] = json.loads(m.group(1))
            nb.cells.append(cell)
    for k, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{k:03d}"
    return nb


if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    nbformat.write(convert(open(src, encoding="utf-8").read()), dst)
    print(f"wrote {dst}")
