# SPDX-License-Identifier: GPL-2.0
#
# Sourced: apt-get/apt-cache options that read another Debian release's
# package lists from a private state under build/apt/SUITE, leaving the
# machine's sources and lists alone. Sets the array apt_opts; callers
# define $top.
#
#   series_suite SERIES    the Debian release a kernel series comes from,
#                          empty for the machine's own (bookworm)
#   apt_suite_opts SUITE   set apt_opts (and create the state's folders)
#   apt_suite_update       refresh that suite's package lists

series_suite() { # SERIES
	case $1 in
	5.10) echo bullseye ;;
	7.2) echo sid ;;
	esac
}

apt_suite_opts() { # SUITE
	local dir=$top/build/apt/$1 mirror=http://deb.debian.org/debian

	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	{
		echo "deb $mirror $1 main"
		# A stable release's kernels move in its security suite.
		[ "$1" = sid ] || echo "deb $mirror-security $1-security main"
	} >"$dir/sources.list"
	apt_opts=(-o "Dir::Etc::SourceList=$dir/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache"
		-o "Dir::State::status=$dir/status")
	touch "$dir/status"
}

apt_suite_update() {
	apt-get "${apt_opts[@]}" update -qq >&2
}
