"""Preprocessing layers that belong inside the model (scaling, normalizing, resizing images)."""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import axis, data_format, entry, numbers, positive_int
from layerlab.core.catalog.spec import BOOL, CHOICE, FLOAT, JSON, Param

register(
    entry(
        "Rescaling", "Preprocessing",
        "Rescales input values to a new range: output = input * scale + offset.",
        params=(
            Param("scale", FLOAT, 1 / 255, "The scale to apply to the inputs (1/255 maps [0, 255] to [0, 1]).",
                  key=True),
            Param("offset", FLOAT, 0.0, "The offset to apply to the inputs.", key=True),
        ),
    ),
    entry(
        "Normalization", "Preprocessing",
        "Normalizes continuous features to (input - mean) / sqrt(variance); give mean and variance, or adapt the "
        "layer to data.",
        params=(
            axis(help="Axis or axes that keep a separate mean and variance per index; None for one scalar each.",
                 nullable=True),
            Param("mean", JSON, None, "The mean value(s) to use; give mean and variance together.", nullable=True,
                  check=numbers),
            Param("variance", JSON, None, "The variance value(s) to use; give mean and variance together.",
                  nullable=True, check=numbers),
            Param("invert", BOOL, False, "If true, apply the inverse transformation (turn normalized inputs back)."),
        ),
    ),
    entry(
        "Resizing", "Preprocessing",
        "Resizes a batch of images to a target height and width.",
        params=(
            positive_int("height", 64, "The height of the output images."),
            positive_int("width", 64, "The width of the output images."),
            Param("interpolation", CHOICE, "bilinear", "The interpolation method.",
                  choices=("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5", "area")),
            Param("crop_to_aspect_ratio", BOOL, False, "If true, resize without distortion by cropping the largest "
                  "window that has the target aspect ratio."),
            Param("pad_to_aspect_ratio", BOOL, False, "If true, resize without distortion by padding the short side."),
            Param("fill_mode", CHOICE, "constant", "How padded areas are filled when pad_to_aspect_ratio is true.",
                  choices=("constant",)),
            Param("fill_value", FLOAT, 0.0, "The padding value when pad_to_aspect_ratio is true."),
            data_format(),
        ),
    ),
    entry(
        "CenterCrop", "Preprocessing",
        "Crops the central portion of images to a target size (resizing first if an image is smaller).",
        params=(
            positive_int("height", 64, "The height of the output images."),
            positive_int("width", 64, "The width of the output images."),
            data_format(),
        ),
    ),
)
