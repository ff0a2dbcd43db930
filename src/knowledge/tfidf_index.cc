#include "knowledge/tfidf_index.h"
