// Layering probe: core/ may not include runtime/ (it does not link it). Must NOT compile.
#include "runtime/backend.h"
