#!/bin/bash
# A shell script suite for the syscall-sequence corpus (scripts/make-sequence-corpus.ts): text processing with
# the usual tools, in a private work folder. shell-suite.sh DIR ROUNDS MODE; abnormal modes, at mid-run:
#   shell-suite.sh DIR ROUNDS reverse-shell  bash opens a TCP connection to a local port (/dev/tcp) and reads it
#   shell-suite.sh DIR ROUNDS read-secrets   bash reads /etc/shadow and /etc/sudoers into variables
#   shell-suite.sh DIR ROUNDS crash-loop     a child that crashes (SIGSEGV) is restarted over and over
set -u
dir=$1 rounds=$2 mode=$3
cd "$dir" || exit 1
for ((i = 0; i < rounds; i++)); do
	seq 1 200 > nums.txt
	sort -rn nums.txt | head -n 20 > top.txt
	wc -l nums.txt top.txt > /dev/null
	grep -c 7 nums.txt > /dev/null
	tr 0-9 a-j < nums.txt | sort | uniq -c > letters.txt
	x=$(cat top.txt | tail -n 1)
	printf '%s\n' "$x" >> log.txt
	if ((i == rounds / 2)); then
		case $mode in
		reverse-shell)
			exec 3<>/dev/tcp/127.0.0.1/"${CORPUS_PORT:-9}" 2>/dev/null && { echo hi >&3; exec 3>&-; }
			;;
		read-secrets)
			s=$(< /etc/shadow) 2>/dev/null
			u=$(< /etc/sudoers) 2>/dev/null
			;;
		crash-loop)
			for ((k = 0; k < 5; k++)); do bash -c 'kill -SEGV $$'; done 2>/dev/null
			;;
		esac
	fi
done
rm -f nums.txt top.txt letters.txt log.txt
