// The HDF5 side of the Keras importer; runs only in the reader child (tfjs-studio-h5-reader).
#pragma once

#include "converter/importers/keras_h5_contents.h"

#include <cstdio>
#include <string>

namespace studio::conv {

// Reads the file's Keras attributes and weight list and writes the contents stream to `out`
// (header first, then each dataset as it is read). Throws studio::Error naming the file and the
// object on anything wrong; what was written before an error is to be discarded.
void extractKerasH5(const std::string& path, std::FILE* out);

// The same stream for a Keras 3 weights file (model.weights.h5 of a .keras archive): every
// variable under /layers, named by its path ("layers/dense/vars/0"), `layer` holding the 'name'
// attribute of its vars group (empty when the file has none); weightsOnly is set.
void extractKeras3Weights(const std::string& path, std::FILE* out);

} // namespace studio::conv
