// Layering probe: the HDF5 wrapper is private to converter/. Must NOT compile.
#include "converter/importers/hdf5_file.h"
