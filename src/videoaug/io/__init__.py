"""I/O at the edges: video decoding (ffmpeg-python) and HDF5 stores."""
