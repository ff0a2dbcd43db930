#include "knowledge/learning_pool.h"
