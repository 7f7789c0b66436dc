"""The benchmark suite of logitkit against scikit-learn, glum and statsmodels; run.py runs it."""
