#include "edit/edit_reply.h"
