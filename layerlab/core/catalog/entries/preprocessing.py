"""Preprocessing layers that belong inside the model (scaling, normalizing, resizing images)."""

from layerlab.core.catalog import register
from layerlab.core.catalog.entries.common import axis, data_format, entry, numbers, positive_int
from layerlab.core.catalog.spec import BOOL, CHOICE, FLOAT, INT, JSON, Param

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

register(
    entry(
        "MelSpectrogram", "Preprocessing", "Turns raw audio (batch, samples) into a mel spectrogram (batch, mels, frames).",
        params=(
            positive_int("fft_length", 2048, "Size of each FFT."),
            positive_int("sequence_stride", 512, "Samples between successive frames.", key=False),
            Param("sequence_length", INT, None, "Samples per frame; None means fft_length.", min=1, nullable=True),
            Param("window", CHOICE, "hann", "Window applied to each frame.", choices=("hann", "hamming", None),
                  nullable=True),
            positive_int("sampling_rate", 16000, "Sampling rate of the audio, in Hz.", key=False),
            positive_int("num_mel_bins", 128, "Number of mel bands."),
            Param("min_freq", FLOAT, 20.0, "Lowest frequency of the mel bands, in Hz.", min=0),
            Param("max_freq", FLOAT, None, "Highest frequency; None means sampling_rate / 2.", min=0, nullable=True),
            Param("power_to_db", BOOL, True, "Whether to convert power to decibels."),
            Param("top_db", FLOAT, 80.0, "Lowest decibel level kept, below the peak.", min=0),
            Param("mag_exp", FLOAT, 2.0, "Exponent of the magnitude (1 for amplitude, 2 for power)."),
            Param("min_power", FLOAT, 1e-10, "Smallest power kept before the decibel conversion.", min=0,
                  min_exclusive=True),
            Param("ref_power", FLOAT, 1.0, "Reference power of the decibel scale.", min=0, min_exclusive=True),
        ),
    ),
    entry(
        "STFTSpectrogram", "Preprocessing", "Turns raw audio (batch, samples, 1) into a short-time Fourier spectrogram.",
        params=(
            Param("mode", CHOICE, "log", "What the spectrogram holds.",
                  choices=("log", "magnitude", "psd", "real", "imag", "angle", "stft"), key=True),
            Param("frame_length", INT, 256, "Samples per frame.", key=True),
            Param("frame_step", INT, None, "Samples between frames; None means frame_length / 4.", min=1,
                  nullable=True),
            Param("fft_length", INT, None, "Size of each FFT, at least frame_length; None means frame_length.",
                  nullable=True),
            Param("window", CHOICE, "hann", "Window applied to each frame.", choices=("hann", "hamming", None),
                  nullable=True),
            Param("periodic", BOOL, False, "Use a periodic window instead of a symmetric one."),
            Param("scaling", CHOICE, "density", "How the spectrum is scaled.", choices=("density", "spectrum", None),
                  nullable=True),
            Param("padding", CHOICE, "valid", "Padding of the frames.", choices=("valid", "same")),
            Param("expand_dims", BOOL, False, "Add a channel axis to 2D outputs."),
        ),
    ),
)
