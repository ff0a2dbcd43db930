#include "edit/apply_edits.h"
