/* registry.c -- the one table of every source and operator sluice ships.
 * Adding an operator: a file that defines its plugin struct, plus one line here. */
#include <stdio.h>
#include <string.h>

#include "engine/operator.h"

extern const sl_source_plugin sl_source_generator;
extern const sl_source_plugin sl_source_file;
extern const sl_source_plugin sl_source_memory;
extern const sl_source_plugin sl_source_kafka;
extern const sl_source_plugin sl_source_exchange;
extern const sl_operator_plugin sl_sink_kafka;
extern const sl_operator_plugin sl_op_session_metrics;
extern const sl_operator_plugin sl_op_page_metrics;
extern const sl_operator_plugin sl_op_top_n;
extern const sl_operator_plugin sl_sink_file;
extern const sl_operator_plugin sl_sink_stdout;
extern const sl_operator_plugin sl_sink_null;

static const sl_source_plugin *const SOURCES[] = {
    &sl_source_generator,
    &sl_source_file,
    &sl_source_memory,
    &sl_source_kafka,
    &sl_source_exchange,
    NULL,
};

static const sl_operator_plugin *const OPERATORS[] = {
    &sl_op_session_metrics,
    &sl_op_page_metrics,
    &sl_op_top_n,
    &sl_sink_file,
    &sl_sink_stdout,
    &sl_sink_null,
    &sl_sink_kafka,
    NULL,
};

const sl_source_plugin *sl_find_source(const char *name) {
    for (int i = 0; SOURCES[i]; i++)
        if (!strcmp(SOURCES[i]->name, name)) return SOURCES[i];
    return NULL;
}

const sl_operator_plugin *sl_find_operator(const char *name) {
    for (int i = 0; OPERATORS[i]; i++)
        if (!strcmp(OPERATORS[i]->name, name)) return OPERATORS[i];
    return NULL;
}

void sl_list_operators(FILE *out) {
    fprintf(out, "Sources:\n");
    for (int i = 0; SOURCES[i]; i++) fprintf(out, "  %-20s %s\n", SOURCES[i]->name, SOURCES[i]->description);
    fprintf(out, "Operators:\n");
    for (int i = 0; OPERATORS[i]; i++)
        if (!OPERATORS[i]->is_sink) fprintf(out, "  %-20s %s\n", OPERATORS[i]->name, OPERATORS[i]->description);
    fprintf(out, "Sinks:\n");
    for (int i = 0; OPERATORS[i]; i++)
        if (OPERATORS[i]->is_sink) fprintf(out, "  %-20s %s\n", OPERATORS[i]->name, OPERATORS[i]->description);
}
