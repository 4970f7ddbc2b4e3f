"""Qt-free core of LayerLab.

Nothing here imports Qt, and Keras/TensorFlow are imported lazily through
:mod:`layerlab.core.kerasenv`, only inside the functions that need them.
"""
