/* i18n.c: English and Spanish tables for every string of the status page, and duration phrases. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "i18n.h"

static int lang_index(const char *lang)
{
	return lang && strcmp(lang, "es") == 0 ? 1 : 0;
}

static const char *const texts[M__COUNT][2] = {
	[M_SKIP_TO_CONTENT]     = { "Skip to content", "Saltar al contenido" },
	[M_LANGUAGE]            = { "Language", "Idioma" },
	[M_ALL_OPERATIONAL]     = { "All systems operational", "Sistemas funcionando con normalidad" },
	[M_BANNER_DEGRADED]     = { "Degraded system service", "Servicio del sistema degradado" },
	[M_BANNER_PARTIALLY_DEGRADED] = { "Partially degraded service", "Servicio parcialmente degradado" },
	[M_BANNER_MINOR]        = { "Minor service outage", "Interrupción menor del servicio" },
	[M_BANNER_PARTIAL]      = { "Partial system outage", "Interrupción parcial del sistema" },
	[M_BANNER_MAJOR]        = { "Major system outage", "Interrupción grave del sistema" },
	[M_BANNER_MAJOR_SERVICE] = { "Major service outage", "Interrupción grave del servicio" },
	[M_BANNER_MAINTENANCE]  = { "Service under maintenance", "Servicio en mantenimiento" },
	[M_ACTIVE_INCIDENTS]    = { "Active incidents", "Incidentes activos" },
	[M_MAINTENANCE_ACTIVE]  = { "Maintenance in progress", "Mantenimiento en curso" },
	[M_MAINTENANCE_UPCOMING] = { "Upcoming maintenance", "Mantenimiento programado" },
	[M_COMPONENTS]          = { "Components", "Componentes" },
	[M_RECENT_NOTICES]      = { "Recent notices", "Avisos recientes" },
	[M_NO_RECENT_NOTICES]   = { "No notices reported recently", "No se reportaron avisos recientemente" },
	[M_VIEW_HISTORY]        = { "View notice history", "Ver historial de avisos" },
	[M_NOTICE_HISTORY]      = { "Notice history", "Historial de avisos" },
	[M_NO_NOTICES_MONTH]    = { "No notices reported this month", "No se reportaron avisos este mes" },
	[M_PREVIOUS]            = { "Previous", "Anterior" },
	[M_NEXT]                = { "Next", "Siguiente" },
	[M_RANGE_TO]            = { "to", "a" },
	[M_INCIDENT_DETAILS]    = { "Incident details", "Detalles del incidente" },
	[M_MAINTENANCE_DETAILS] = { "Maintenance details", "Detalles del mantenimiento" },
	[M_AFFECTED]            = { "Affected", "Afectados" },
	[M_UPDATES]             = { "Updates", "Actualizaciones" },
	[M_STARTED_AGO]         = { "Started %s", "Comenzó %s" },
	[M_STARTS_IN]           = { "Starts %s", "Comienza %s" },
	[M_LASTED]              = { "Lasted %s", "Duró %s" },
	[M_ONGOING_FOR]         = { "Ongoing for %s", "En curso desde hace %s" },
	[M_SCHEDULED_FOR]       = { "Scheduled for %s", "Programado para el %s" },
	[M_UNTIL]               = { "until %s", "hasta el %s" },
	[M_STATUS_FROM_TO]      = { "from", "de" },
	[M_STATUS_SINCE]        = { "since", "desde" },
	[M_UPTIME_PCT]          = { "%s uptime", "%s de disponibilidad" },
	[M_DAYS_AGO_90]         = { "90 days ago", "Hace 90 días" },
	[M_TODAY]               = { "Today", "Hoy" },
	[M_NO_DATA]             = { "No data", "Sin datos" },
	[M_NO_INCIDENTS_DAY]    = { "No incidents", "Sin incidentes" },
	[M_UPTIME_LEGEND]       = { "Uptime over the last 90 days", "Disponibilidad en los últimos 90 días" },
	[M_UPTIME_DEFINITION]   = {
		"Uptime is the share of each day a component was available. A major outage counts fully as "
		"downtime, a partial outage counts as 30% downtime, and degraded performance or maintenance "
		"does not count as downtime. A group's uptime is the average of its components.",
		"La disponibilidad es la parte de cada día en que un componente estuvo disponible. Una "
		"interrupción grave cuenta por completo como tiempo de inactividad, una interrupción parcial "
		"cuenta como un 30% y el rendimiento degradado o el mantenimiento no cuentan como tiempo de "
		"inactividad. La disponibilidad de un grupo es el promedio de sus componentes." },
	[M_TIMES_IN_ZONE]       = { "Times are shown in %s.", "Las horas se muestran en %s." },
	[M_LOCAL_TIME_NOTE]     = { "Hover a time to see it in your own time zone.",
	                            "Pase el cursor sobre una hora para verla en su zona horaria." },
	[M_NOT_FOUND_TITLE]     = { "Page not found", "Página no encontrada" },
	[M_NOT_FOUND_TEXT]      = { "The page you asked for does not exist or was removed.",
	                            "La página solicitada no existe o fue eliminada." },
	[M_BAD_REQUEST_TEXT]    = { "The request was not valid.", "La solicitud no es válida." },
	[M_BACK_HOME]           = { "Back to the status page", "Volver a la página de estado" },
	[M_POWERED_BY]          = { "Powered by Beacon", "Funciona con Beacon" },
	[M_REPLICA_SYNCED]      = { "This is a read-only copy of the status page, last synced with the primary at",
	                            "Esta es una copia de solo lectura de la página de estado, sincronizada con el "
	                            "nodo principal el" },
	[M_POSTMORTEM]          = { "Postmortem", "Análisis post mortem" },
	[M_UPDATE]              = { "Update", "Actualización" },
	[M_MORE_NOTICES]        = { "Only the latest %s notices of this month are shown.",
	                            "Solo se muestran los últimos %s avisos de este mes." },
	[M_STATUS_TITLE]        = { "Status", "Estado" },
	[M_UPTIME_HOW]          = { "How uptime is calculated", "Cómo se calcula la disponibilidad" },
	[M_BAD_REQUEST_TITLE]   = { "Bad request", "Solicitud incorrecta" },
	[M_N_COMPONENTS]        = { "%s components", "%s componentes" },
	[M_ONE_COMPONENT]       = { "1 component", "1 componente" },
	[M_DAYS_AGO_60]         = { "60 days ago", "Hace 60 días" },
	[M_DAYS_AGO_30]         = { "30 days ago", "Hace 30 días" },
	[M_READ_POSTMORTEM]     = { "Read the postmortem", "Leer el análisis post mortem" },
	[M_NOT_FOUND_ROUTE]     = { "There is nothing at this address. Check the link, or go back to the status page.",
	                            "No hay nada en esta dirección. Revise el enlace o vuelva a la página de estado." },
	[M_FEEDS]               = { "Subscribe to updates:", "Suscríbase a las actualizaciones:" },
	[M_AS_OF]               = { "This is the page as it was on %s.", "Así se veía la página el %s." },
	[M_BACK_TO_NOW]         = { "See the current status", "Ver el estado actual" },
	[M_MONTHLY_UPTIME]      = { "Monthly uptime", "Disponibilidad mensual" },
	[M_MONTH]               = { "Month", "Mes" },
	[M_UPTIME]              = { "Uptime", "Disponibilidad" },
	[M_DOWNTIME]            = { "Downtime", "Tiempo de inactividad" },
	[M_NO_MONITORING_DATA]  = { "No data from monitoring since %s", "Sin datos del monitoreo desde las %s" },
	[M_SUBSCRIBE]           = { "Email", "Correo electrónico" },
};

const char *i18n_text(const char *lang, enum msg m)
{
	if ((int)m < 0 || m >= M__COUNT || texts[m][0] == NULL)
		return "";
	return texts[m][lang_index(lang)];
}

static const char *const months_short[2][12] = {
	{ "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" },
	{ "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic" },
};
static const char *const months_long[2][12] = {
	{ "January", "February", "March", "April", "May", "June", "July", "August", "September",
	  "October", "November", "December" },
	{ "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
	  "octubre", "noviembre", "diciembre" },
};

const char *i18n_month_short(const char *lang, int month)
{
	return month >= 0 && month < 12 ? months_short[lang_index(lang)][month] : "";
}

const char *i18n_month_long(const char *lang, int month)
{
	return month >= 0 && month < 12 ? months_long[lang_index(lang)][month] : "";
}

static const char *const comp_status_names[CS__MAX][2] = {
	[CS_OPERATIONAL]          = { "Operational", "En funcionamiento" },
	[CS_UNDER_MAINTENANCE]    = { "Under maintenance", "En mantenimiento" },
	[CS_DEGRADED_PERFORMANCE] = { "Degraded performance", "Rendimiento degradado" },
	[CS_PARTIAL_OUTAGE]       = { "Partial outage", "Interrupción parcial" },
	[CS_MAJOR_OUTAGE]         = { "Major outage", "Interrupción grave" },
};

const char *i18n_comp_status(const char *lang, enum comp_status s)
{
	if ((int)s < 0 || s >= CS__MAX)
		s = CS_OPERATIONAL;
	return comp_status_names[s][lang_index(lang)];
}

static const char *const inc_status_names[IS__MAX][2] = {
	[IS_INVESTIGATING] = { "Investigating", "Investigando" },
	[IS_IDENTIFIED]    = { "Identified", "Identificado" },
	[IS_MONITORING]    = { "Monitoring", "Supervisando" },
	[IS_RESOLVED]      = { "Resolved", "Resuelto" },
	[IS_POSTMORTEM]    = { "Postmortem", "Análisis post mortem" },
	[IS_SCHEDULED]     = { "Scheduled", "Programado" },
	[IS_IN_PROGRESS]   = { "In progress", "En curso" },
	[IS_VERIFYING]     = { "Verifying", "Verificando" },
	[IS_COMPLETED]     = { "Completed", "Completado" },
};

const char *i18n_inc_status(const char *lang, enum inc_status s)
{
	if ((int)s < 0 || s >= IS__MAX)
		s = IS_INVESTIGATING;
	return inc_status_names[s][lang_index(lang)];
}

const char *i18n_impact(const char *lang, enum impact i)
{
	static const char *const none[2] = { "No impact", "Sin impacto" };
	switch (i) {
	case IMP_MINOR:       return i18n_comp_status(lang, CS_DEGRADED_PERFORMANCE);
	case IMP_MAJOR:       return i18n_comp_status(lang, CS_PARTIAL_OUTAGE);
	case IMP_CRITICAL:    return i18n_comp_status(lang, CS_MAJOR_OUTAGE);
	case IMP_MAINTENANCE: return i18n_comp_status(lang, CS_UNDER_MAINTENANCE);
	default:              return none[lang_index(lang)];
	}
}

/* Duration units of date-fns formatDistance, each with singular and plural ("%d" = count). */
enum unit { U_LT_MINUTE, U_MINUTES, U_ABOUT_HOURS, U_DAYS, U_ABOUT_MONTHS, U_MONTHS,
            U_ABOUT_YEARS, U_OVER_YEARS, U_ALMOST_YEARS, U__COUNT };

static const char *const unit_names[U__COUNT][2][2] = {   /* [unit][lang][one, other] */
	[U_LT_MINUTE]    = { { "less than a minute", "less than %d minutes" },
	                     { "menos de un minuto", "menos de %d minutos" } },
	[U_MINUTES]      = { { "1 minute", "%d minutes" }, { "1 minuto", "%d minutos" } },
	[U_ABOUT_HOURS]  = { { "about 1 hour", "about %d hours" },
	                     { "alrededor de 1 hora", "alrededor de %d horas" } },
	[U_DAYS]         = { { "1 day", "%d days" }, { "1 día", "%d días" } },
	[U_ABOUT_MONTHS] = { { "about 1 month", "about %d months" },
	                     { "alrededor de 1 mes", "alrededor de %d meses" } },
	[U_MONTHS]       = { { "1 month", "%d months" }, { "1 mes", "%d meses" } },
	[U_ABOUT_YEARS]  = { { "about 1 year", "about %d years" },
	                     { "alrededor de 1 año", "alrededor de %d años" } },
	[U_OVER_YEARS]   = { { "over 1 year", "over %d years" }, { "más de 1 año", "más de %d años" } },
	[U_ALMOST_YEARS] = { { "almost 1 year", "almost %d years" }, { "casi 1 año", "casi %d años" } },
};

static int64_t round_div(int64_t a, int64_t b)
{
	return (a + b / 2) / b;
}

char *i18n_duration(struct arena *a, const char *lang, int64_t ms)
{
	enum unit u;
	int64_t n;
	if (ms < 0)
		ms = -ms;
	int64_t minutes = round_div(ms, 60000);
	if (minutes == 0) {
		u = U_LT_MINUTE; n = 1;
	} else if (minutes < 45) {
		u = U_MINUTES; n = minutes;
	} else if (minutes < 90) {
		u = U_ABOUT_HOURS; n = 1;
	} else if (minutes < 1440) {
		u = U_ABOUT_HOURS; n = round_div(minutes, 60);
	} else if (minutes < 2520) {
		u = U_DAYS; n = 1;
	} else if (minutes < 43200) {
		u = U_DAYS; n = round_div(minutes, 1440);
	} else if (minutes < 86400) {
		u = U_ABOUT_MONTHS; n = round_div(minutes, 43200);
	} else if (minutes / 43830 < 12) {       /* whole months, 30.44 days each */
		u = U_MONTHS; n = round_div(minutes, 43200);
	} else {
		int64_t months = minutes / 43830, rest = months % 12;
		n = months / 12;
		if (rest < 3) {
			u = U_ABOUT_YEARS;
		} else if (rest < 9) {
			u = U_OVER_YEARS;
		} else {
			u = U_ALMOST_YEARS; n++;
		}
	}
	const char *phrase = unit_names[u][lang_index(lang)][n == 1 ? 0 : 1];
	const char *count = strstr(phrase, "%d");
	if (count == NULL)
		return arena_strdup(a, phrase);
	return arena_printf(a, "%.*s%lld%s", (int)(count - phrase), phrase, (long long)n, count + 2);
}

char *i18n_relative(struct arena *a, const char *lang, int64_t then_ms, int64_t now_ms)
{
	char *d = i18n_duration(a, lang, now_ms - then_ms);
	bool es = lang_index(lang) == 1;
	if (then_ms <= now_ms)
		return es ? arena_printf(a, "hace %s", d) : arena_printf(a, "%s ago", d);
	return es ? arena_printf(a, "en %s", d) : arena_printf(a, "in %s", d);
}

char *i18n_fmt(struct arena *a, const char *lang, enum msg m, const char *arg)
{
	const char *t = i18n_text(lang, m);
	const char *pct = strstr(t, "%s");
	if (pct == NULL)
		return arena_strdup(a, t);
	return arena_printf(a, "%.*s%s%s", (int)(pct - t), t, arg ? arg : "", pct + 2);
}

char *i18n_range(struct arena *a, const char *lang, const char *from, const char *to)
{
	return arena_printf(a, "%s %s %s", from, i18n_text(lang, M_RANGE_TO), to);
}
