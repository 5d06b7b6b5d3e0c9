# Environment shared by scripts/setup.sh, book.sh and test.sh (sourced, not run):
# the settings under which the committed notebook outputs were produced.
# nbval re-runs notebooks with a fixed hash seed, so set outputs print in one order.
export PYTHONHASHSEED=0
# matplotlib's font cache inside the project, absolute so every kernel finds it.
export MPLCONFIGDIR="$PWD/_build/cache/matplotlib"
# Use the virtualenv's Jupyter kernel even if the user has their own "python3" kernelspec.
export JUPYTER_PREFER_ENV_PATH=1
