/* server.h: access to the serving process's app for modules that run beside the workers. */
#ifndef BEACON_SERVER_H
#define BEACON_SERVER_H
#include "app.h"

struct app *server_app(void);

#endif
