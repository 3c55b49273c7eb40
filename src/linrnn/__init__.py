"""linrnn: exact gradients, truncated BPTT, RFLO and e-prop in linear student-teacher RNNs.

Reproduction of Williams, Payeur & Lajoie, "Dynamics and Representation Structure of Local
Approximations to Gradient-Based Learning in Linear Recurrent Neural Networks" (ICML 2026).
"""

__version__ = "0.1.0"
