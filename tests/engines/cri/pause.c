/* The pod sandbox's process for tests/engines/cri.sh (what the kubelet's
 * "pause" image runs): holds the pod's namespaces, reaps orphans, exits on
 * SIGINT or SIGTERM. Linked statically: the image holds this file only. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig) { (void)sig; _exit(0); }

static void reap(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(void)
{
	struct sigaction q = { .sa_handler = quit }, r = { .sa_handler = reap, .sa_flags = SA_NOCLDSTOP };

	if (getpid() != 1)
		return 1;
	sigaction(SIGINT, &q, NULL);
	sigaction(SIGTERM, &q, NULL);
	sigaction(SIGCHLD, &r, NULL);
	for (;;)
		pause();
}
