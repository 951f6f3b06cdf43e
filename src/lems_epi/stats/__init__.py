"""Disease-agnostic epidemiological statistics: intervals, rates, standardisation, comparisons."""
