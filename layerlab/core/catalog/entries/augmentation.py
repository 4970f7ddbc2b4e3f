"""Image augmentation layers: random transformations that act in training only (identity at inference).

Keras's value_range is the range of the incoming pixel values, [0, 255] by default; [0, 1] after Rescaling.
"""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import data_format, entry, numbers, positive_int, seed
from layerlab.core.catalog.spec import BOOL, CHOICE, FLOAT, JSON, Param

_INTERPOLATION = ("bilinear", "nearest")
_FILL = ("reflect", "wrap", "constant", "nearest")


def _pair_or_number(value) -> str | None:
    if isinstance(value, (list, tuple)) and len(value) != 2:
        return "must be a number or a pair [lower, upper]"
    return numbers(value)


def factor(default, help: str, key=True, name="factor", nullable=False) -> Param:
    return Param(name, JSON, default, help, key=key, nullable=nullable, check=_pair_or_number, as_tuple=True)


def value_range(key=False) -> Param:
    return Param("value_range", JSON, [0, 255], "The range [low, high] of the incoming pixel values ([0, 1] after a "
                 "Rescaling of 1/255).", check=_pair_or_number, key=key, as_tuple=True)


def _geometry(fill=True) -> tuple[Param, ...]:
    return (
        *((Param("fill_mode", CHOICE, "reflect", "How points outside the input's boundaries are filled.",
                 choices=_FILL),) if fill else ()),
        Param("interpolation", CHOICE, "bilinear", "The interpolation method.", choices=_INTERPOLATION),
        Param("fill_value", FLOAT, 0.0, "The value filled outside the boundaries when fill_mode is constant."),
    )


def _aug(type_name: str, help: str, params=()) -> object:
    return entry(type_name, "Augmentation", help, params=tuple(params) + (seed(),))


_RANGE_FACTOR = "Strength as a number in [0, 1] or a pair [lower, upper]."

register(
    _aug("RandomFlip", "Randomly flips images horizontally and/or vertically during training.", (
        Param("mode", CHOICE, "horizontal_and_vertical", "Which flips to apply.",
              choices=("horizontal", "vertical", "horizontal_and_vertical"), key=True),
        data_format(),
    )),
    _aug("RandomRotation", "Randomly rotates images during training.", (
        factor(0.1, "Fraction of 2*pi: 0.1 rotates by up to 36 degrees either way; or a pair [lower, upper]."),
        *_geometry(),
        data_format(),
    )),
    _aug("RandomTranslation", "Randomly translates images during training.", (
        factor(0.1, "Fraction of the height to shift by (or a pair [lower, upper]).", name="height_factor"),
        factor(0.1, "Fraction of the width to shift by (or a pair [lower, upper]).", name="width_factor"),
        *_geometry(),
        data_format(),
    )),
    _aug("RandomZoom", "Randomly zooms images during training.", (
        factor(0.1, "Fraction of the height to zoom by; negative zooms in (or a pair [lower, upper]).",
               name="height_factor"),
        factor(None, "Fraction of the width to zoom by; None keeps the aspect ratio.", name="width_factor",
               nullable=True),
        *_geometry(),
        data_format(),
    )),
    _aug("RandomShear", "Randomly shears images during training.", (
        factor(0.0, "Shear strength along x, in [0, 1] (or a pair).", name="x_factor"),
        factor(0.0, "Shear strength along y, in [0, 1] (or a pair).", name="y_factor", key=False),
        *_geometry(),
        data_format(),
    )),
    _aug("RandomCrop", "Randomly crops images to a target size during training (center crop at inference).", (
        positive_int("height", 4, "The height of the output images."),
        positive_int("width", 4, "The width of the output images."),
        data_format(),
    )),
    _aug("RandomContrast", "Randomly adjusts the contrast of images during training.", (
        factor(0.2, _RANGE_FACTOR), value_range())),
    _aug("RandomBrightness", "Randomly adjusts the brightness of images during training.", (
        factor(0.2, "Brightness change as a fraction of the value range, in [-1, 1], or a pair [lower, upper]."),
        value_range())),
    _aug("RandomColorDegeneration", "Randomly blends images with their grayscale version during training.", (
        factor(0.5, _RANGE_FACTOR), value_range(), data_format())),
    _aug("RandomColorJitter", "Randomly adjusts brightness, contrast, saturation and hue during training.", (
        value_range(),
        factor(None, "Brightness factor (see RandomBrightness); None leaves brightness.", name="brightness_factor",
               nullable=True),
        factor(None, "Contrast factor (see RandomContrast); None leaves contrast.", name="contrast_factor",
               nullable=True, key=False),
        factor(None, "Saturation factor (see RandomSaturation); None leaves saturation.", name="saturation_factor",
               nullable=True, key=False),
        factor(None, "Hue factor (see RandomHue); None leaves hue.", name="hue_factor", nullable=True, key=False),
        data_format(),
    )),
    _aug("RandomSaturation", "Randomly adjusts the saturation of images during training.", (
        factor(0.5, _RANGE_FACTOR), value_range(), data_format())),
    _aug("RandomHue", "Randomly adjusts the hue of images during training.", (
        factor(0.5, _RANGE_FACTOR), value_range(), data_format())),
    _aug("RandomSharpness", "Randomly adjusts the sharpness of images during training.", (
        factor(0.5, _RANGE_FACTOR), value_range(), data_format())),
    _aug("RandomPosterization", "Randomly reduces the number of bits per colour channel during training.", (
        factor(4, "Bits to keep, between 1 and 8 (or a pair [lower, upper]).", ), value_range(), data_format())),
    _aug("RandomGrayscale", "Randomly turns images to grayscale during training.", (
        Param("factor", FLOAT, 0.5, "Probability of turning an image to grayscale.", min=0, max=1, key=True),
        data_format())),
    _aug("RandomInvert", "Randomly inverts image colours during training.", (
        factor(1.0, "Probability of inverting an image (or a pair)."), value_range(), data_format())),
    _aug("RandomGaussianBlur", "Randomly blurs images with a Gaussian kernel during training.", (
        factor(1.0, "Probability of blurring an image (or a pair)."),
        positive_int("kernel_size", 3, "Size of the Gaussian kernel."),
        factor(1.0, "Standard deviation of the kernel (or a pair).", name="sigma", key=False),
        value_range(), data_format())),
    _aug("RandomErasing", "Randomly erases rectangles of images during training (cutout).", (
        factor(1.0, "Probability of erasing (or a pair)."),
        factor([0.02, 0.33], "Fraction of the image to erase, as a pair [lower, upper].", name="scale", key=False),
        Param("fill_value", FLOAT, None, "The erased area's value; None fills with random noise.", nullable=True),
        value_range(), data_format())),
    _aug("RandomPerspective", "Randomly applies perspective transformations during training.", (
        factor(1.0, "Probability of transforming an image (or a pair)."),
        factor(1.0, "Strength of the distortion, in [0, 1].", name="scale", key=False),
        Param("interpolation", CHOICE, "bilinear", "The interpolation method.", choices=_INTERPOLATION),
        Param("fill_value", FLOAT, 0.0, "The value filled outside the boundaries."),
        data_format())),
    _aug("RandomElasticTransform", "Randomly applies elastic deformations during training.", (
        factor(1.0, "Probability of transforming an image (or a pair)."),
        factor(1.0, "Strength of the displacement.", name="scale", key=False),
        *_geometry(), value_range(), data_format())),
    _aug("Solarization", "Randomly inverts pixels above a threshold during training.", (
        factor(0.0, "Value added to each pixel before solarizing, as a fraction of the range (or a pair).",
               name="addition_factor"),
        factor(0.0, "Threshold above which pixels are inverted, as a fraction of the range (or a pair).",
               name="threshold_factor"),
        value_range())),
    _aug("AugMix", "AugMix: mixes several chains of random augmentations (Hendrycks et al., 2019).", (
        value_range(),
        positive_int("num_chains", 3, "Number of augmentation chains to mix."),
        positive_int("chain_depth", 3, "Number of operations in each chain."),
        factor(0.3, "Strength of the operations, in [0, 1].", key=False),
        Param("alpha", FLOAT, 1.0, "Dirichlet and Beta distribution parameter.", min=0, min_exclusive=True),
        Param("all_ops", BOOL, True, "Use all operations (including contrast, color and sharpness)."),
        Param("interpolation", CHOICE, "bilinear", "The interpolation method.", choices=_INTERPOLATION),
        data_format())),
    _aug("RandAugment", "RandAugment: applies random augmentation operations of a given strength.", (
        value_range(),
        positive_int("num_ops", 2, "Number of operations applied to each image."),
        factor(0.5, "Strength of the operations, in [0, 1] (or a pair)."),
        Param("interpolation", CHOICE, "bilinear", "The interpolation method.", choices=_INTERPOLATION),
        data_format())),
    _aug("CutMix", "CutMix: pastes patches between the images of a batch during training.", (
        factor(1.0, "Beta distribution parameter of the patch sizes."), data_format())),
    _aug("MixUp", "MixUp: blends the images of a batch with each other during training.", (
        Param("alpha", FLOAT, 0.2, "Beta distribution parameter of the mixing weights.", min=0, key=True),
        data_format())),
    entry("AutoContrast", "Augmentation", "Stretches each image's contrast to the full value range.",
          params=(value_range(key=True),)),
    entry("Equalization", "Augmentation", "Equalizes each image's histogram (more even contrast).",
          params=(value_range(), positive_int("bins", 256, "Number of histogram bins."), data_format())),
    entry("ContrastLimitedAdaptiveHistogramEqualization", "Augmentation",
          "CLAHE: histogram equalization in tiles, with a clip limit on contrast.",
          params=(value_range(),
                  Param("clip_limit", FLOAT, 4.0, "Threshold for contrast limiting.", min=0, key=True),
                  Param("tile_grid_size", JSON, [8, 8], "Grid of tiles [rows, columns].", check=_pair_or_number,
                        as_tuple=True),
                  data_format())),
)
