"""Real data: scikit-learn's handwritten digits, for the chapter of that name.

``data`` splits and standardises the images, ``experiment`` builds, trains
and evaluates one network, ``runs`` runs everything over seeds into the
table the chapter reads (``python -m mytorch.digits --out FILE``). Nothing
here is imported by ``import mytorch``; pandas and scikit-learn are imported
inside the functions that use them.
"""
