/* commands.h -- the `sluice` subcommands, one file each (cli/cmd_NAME.c).
 *
 * Exit codes: 0 success, 1 the job or command failed at run time, 2 the
 * command line or a job file was wrong (the message says which and how). */
#ifndef SL_COMMANDS_H
#define SL_COMMANDS_H

#define SL_EXIT_OK 0
#define SL_EXIT_FAILURE 1
#define SL_EXIT_USAGE 2

typedef struct sl_command {
    const char *name;
    const char *summary;        /* one line for `sluice --help` */
    int (*main)(int argc, char **argv);   /* argv[0] is the command name */
} sl_command;

extern const sl_command SL_COMMANDS[];

int sl_cmd_run(int argc, char **argv);
int sl_cmd_gen(int argc, char **argv);
int sl_cmd_verify(int argc, char **argv);
int sl_cmd_operators(int argc, char **argv);
int sl_cmd_config(int argc, char **argv);
int sl_cmd_metrics(int argc, char **argv);
int sl_cmd_avro(int argc, char **argv);
int sl_cmd_kafka_dev(int argc, char **argv);
int sl_cmd_topics(int argc, char **argv);
int sl_cmd_results(int argc, char **argv);
int sl_cmd_list(int argc, char **argv);
int sl_cmd_status(int argc, char **argv);
int sl_cmd_savepoint(int argc, char **argv);
int sl_cmd_stop(int argc, char **argv);
int sl_cmd_cancel(int argc, char **argv);
int sl_cmd_dlq(int argc, char **argv);

#endif
