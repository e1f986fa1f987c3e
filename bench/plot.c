// SPDX-License-Identifier: GPL-2.0
/*
 * `ringvmm bench coalesce --plot FILE`: a chart of the cost per write and
 * the write-to-handling latency by mode, drawn by gnuplot (Debian package
 * gnuplot-nox) from a data file and a script in a private temporary
 * directory. FILE ending in .png gives PNG (pngcairo), anything else SVG.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "vmm/util.h"

extern char **environ;

/* One line per mode: x, name, cost (median, min, max), latency p50/p99/max. */
static int rv_bench_plot_data(const struct rv_bench *b, const char *path)
{
	const struct rv_bench_opts *o = b->o;
	struct rv_bench_row w;
	FILE *f;

	f = fopen(path, "w");
	if (!f)
		return rv_err(-errno, "--plot: %s: %s", path, strerror(errno));
	for (unsigned int m = 0; m < o->nr_modes; m++) {
		const struct rv_bench_summary *s = w.m;

		rv_bench_row(b, o->modes[m], -1, &w);
		fprintf(f, "%u %s %.1f %.1f %.1f", m, rv_bench_mode_name(w.mode),
			s[RV_BENCH_NS_PER_WRITE].median, s[RV_BENCH_NS_PER_WRITE].min,
			s[RV_BENCH_NS_PER_WRITE].max);
		/* Mode off defers nothing: no bar (a log scale has no zero). */
		if (w.mode == RV_BENCH_OFF || !s[RV_BENCH_LAT_P50].median)
			fprintf(f, " NaN NaN NaN\n");
		else
			fprintf(f, " %.2f %.2f %.2f\n", s[RV_BENCH_LAT_P50].median,
				s[RV_BENCH_LAT_P99].median, s[RV_BENCH_LAT_MAX].median);
	}
	if (fclose(f))
		return rv_err(-errno, "--plot: %s: %s", path, strerror(errno));
	return 0;
}

static int rv_bench_plot_script(const struct rv_bench *b, const char *path, const char *data,
				const char *out)
{
	const struct rv_bench_opts *o = b->o;
	size_t n = strlen(out);
	bool png = n > 4 && !strcmp(out + n - 4, ".png");
	FILE *f;

	f = fopen(path, "w");
	if (!f)
		return rv_err(-errno, "--plot: %s: %s", path, strerror(errno));
	fprintf(f, "set terminal %s size 1000,460 font 'sans,11'\n",
		png ? "pngcairo" : "svg dynamic background rgb 'white'");
	fprintf(f, "set output '%s'\n", out);
	fprintf(f,
		"set multiplot layout 1,2 title \"ringvmm bench coalesce: %u %s device%s, "
		"%u vCPU%s, %llu writes each, burst %llu, %s\\nhot loop at %s, "
		"median of %u run%s (error bars: smallest to largest)\"\n",
		o->devices,
		o->space == RV_BENCH_SPACE_PIO	 ? "PIO" :
		o->space == RV_BENCH_SPACE_MIXED ? "MMIO/PIO" :
						   "MMIO",
		o->devices > 1 ? "s" : "", o->cpus, o->cpus > 1 ? "s" : "",
		(unsigned long long)o->writes, (unsigned long long)o->burst,
		rv_bench_has_reads(o) ? "reads" : "no reads", rv_bench_level(b), o->repeat,
		o->repeat > 1 ? "s" : "");
	fprintf(f,
		"set style fill solid 0.6 border -1\n"
		"set grid ytics\n"
		"set xrange [-0.6:%u.6]\n"
		"set yrange [0:*]\n"
		"set boxwidth 0.6\n"
		"set title 'guest cost per write (ns)'\n"
		"plot '%s' using 1:3:xtic(2) with boxes lc rgb '#4477aa' notitle, \\\n"
		"     '' using 1:3:4:5 with yerrorbars lc rgb 'black' pt -1 notitle, \\\n"
		"     '' using 1:3:(sprintf('%%.0f', $3)) with labels offset 0,0.8 notitle\n",
		o->nr_modes - 1, data);
	for (unsigned int m = 0; m < o->nr_modes; m++)
		if (o->modes[m] == RV_BENCH_OFF)
			fprintf(f, "set label 1 'none' at first %u, graph 0.06 center\n", m);
	fprintf(f,
		"set title \"write-to-handling latency (us, an upper bound)\\n"
		"off: none, each write is handled at its own exit\"\n"
		"set logscale y\n"
		"set yrange [*:*]\n"
		"set boxwidth 0.25\n"
		"set key top left Left reverse\n"
		"plot '%s' using ($1-0.27):6:xtic(2) with boxes lc rgb '#66ccee' title 'p50', \\\n"
		"     '' using 1:7 with boxes lc rgb '#ccbb44' title 'p99', \\\n"
		"     '' using ($1+0.27):8 with boxes lc rgb '#ee6677' title 'max'\n"
		"unset multiplot\n",
		data);
	if (fclose(f))
		return rv_err(-errno, "--plot: %s: %s", path, strerror(errno));
	return 0;
}

static int rv_bench_gnuplot(const char *script)
{
	char *const argv[] = { "gnuplot", (char *)script, NULL };
	int ret, status;
	pid_t pid;

	ret = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
	if (ret == ENOENT)
		return rv_err(-ENOENT,
			      "--plot: gnuplot is not installed (Debian: apt-get install gnuplot-nox)");
	if (ret)
		return rv_err(-ret, "--plot: starting gnuplot: %s", strerror(ret));
	if (waitpid(pid, &status, 0) < 0)
		return rv_err(-errno, "--plot: waiting for gnuplot: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return rv_err(-EIO, "--plot: gnuplot failed (status %d)", status);
	return 0;
}

int rv_bench_plot(const struct rv_bench *b, const char *path)
{
	char dir[] = "/tmp/ringvmm-plot.XXXXXX";
	char data[64], script[64];
	int ret, fd;

	/* The name goes into a gnuplot string in single quotes. */
	if (strchr(path, '\'') || strchr(path, '\n'))
		return rv_err(-EINVAL, "--plot %s: a quote or newline in the name", path);
	/* gnuplot would block on a FIFO: only a regular file, checked here. */
	ret = rv_path_open("--plot", path, O_WRONLY | O_CREAT, 0644, RV_PATH_REG, &fd);
	if (ret)
		return ret;
	close(fd);
	if (!mkdtemp(dir))
		return rv_err(-errno, "--plot: a temporary directory: %s", strerror(errno));
	snprintf(data, sizeof(data), "%s/modes.dat", dir);
	snprintf(script, sizeof(script), "%s/plot.gp", dir);
	ret = rv_bench_plot_data(b, data);
	if (!ret)
		ret = rv_bench_plot_script(b, script, data, path);
	if (!ret)
		ret = rv_bench_gnuplot(script);
	unlink(script);
	unlink(data);
	rmdir(dir);
	return ret;
}

int rv_bench_plot_check(void)
{
	const char *path = getenv("PATH");
	char file[4096];

	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(file, sizeof(file), "%.*s/gnuplot", (int)n, n ? p : ".");
		if (!access(file, X_OK))
			return 0;
		p += n + (p[n] == ':');
	}
	return rv_err(-ENOENT,
		      "--plot: gnuplot is not installed (Debian: apt-get install gnuplot-nox)");
}
