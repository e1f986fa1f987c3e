# SPDX-License-Identifier: GPL-2.0
# bash completion for ringvmm. The options come from ringvmm's own --help,
# which its option tables print (vmm/opt.h), so they never drift.

_ringvmm_options() {
	"$1" "${@:2}" --help 2>/dev/null | grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' |
		sed 's/^[ ,]//' | sort -u
}

_ringvmm() {
	local cur prev cmd=() i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	# The command (and bench's benchmark) typed so far.
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) [ ${#cmd[@]} -lt 2 ] && cmd+=("${COMP_WORDS[i]}") ;;
		esac
		[ "${cmd[0]}" != bench ] && [ ${#cmd[@]} -ge 1 ] && break
	done

	case $prev in
	-k | --kernel | -i | --initrd | -d | --disk | --dump-dtb | --plot | --metrics | --api | --restore)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		return
		;;
	--console)
		COMPREPLY=($(compgen -W "serial virtio" -- "$cur"))
		return
		;;
	--console-out)
		COMPREPLY=($(compgen -W "pty stdio" -- "$cur") $(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		return
		;;
	--vsock)
		COMPREPLY=($(compgen -W "cid=3,uds=" -- "$cur"))
		compopt -o nospace 2>/dev/null
		return
		;;
	-n | --net)
		# tap=NAME (existing taps offered), passt, passt=SOCKET
		local taps
		taps=$(ls /sys/class/net 2>/dev/null | while read -r d; do
			[ -e "/sys/class/net/$d/tun_flags" ] && echo "tap=$d"
		done)
		COMPREPLY=($(compgen -W "tap= passt passt= $taps" -- "$cur"))
		compopt -o nospace 2>/dev/null
		return
		;;
	--coalesce)
		COMPREPLY=($(compgen -W "off vm-ring per-device" -- "$cur"))
		return
		;;
	--mode)
		COMPREPLY=($(compgen -W "off vm-ring per-device own-drain doorbell" -- "$cur"))
		return
		;;
	--coalesce-drain)
		COMPREPLY=($(compgen -W "shared per-device" -- "$cur"))
		return
		;;
	--reg-pages)
		COMPREPLY=($(compgen -W "on off" -- "$cur"))
		return
		;;
	--virtio-transport)
		COMPREPLY=($(compgen -W "mmio pci" -- "$cur"))
		return
		;;
	--mem-backend)
		COMPREPLY=($(compgen -W "anon memfd hugetlb guest_memfd" -- "$cur"))
		return
		;;
	--log-level)
		COMPREPLY=($(compgen -W "error warn info debug" -- "$cur"))
		return
		;;
	--space)
		COMPREPLY=($(compgen -W "mmio pio mixed" -- "$cur"))
		return
		;;
	esac

	if [ ${#cmd[@]} -eq 0 ]; then
		COMPREPLY=($(compgen -W "run caps bench ctl --help --version" -- "$cur"))
	elif [ "${cmd[0]}" = ctl ]; then
		# ctl SOCKET COMMAND: the socket is a file, then a command.
		if [ "$COMP_CWORD" -eq 2 ]; then
			COMPREPLY=($(compgen -f -- "$cur"))
			compopt -o filenames 2>/dev/null
		elif [ "$COMP_CWORD" -eq 3 ]; then
			COMPREPLY=($(compgen -W "pause resume stats stop snapshot update" -- "$cur"))
		elif [ "$COMP_CWORD" -eq 4 ] && [ "${COMP_WORDS[3]}" = snapshot ]; then
			COMPREPLY=($(compgen -d -- "$cur"))
			compopt -o filenames 2>/dev/null
		elif [ "$COMP_CWORD" -eq 4 ] && [ "${COMP_WORDS[3]}" = update ]; then
			COMPREPLY=($(compgen -W "--binary" -- "$cur"))
		elif [ "$COMP_CWORD" -eq 5 ] && [ "${COMP_WORDS[4]}" = --binary ]; then
			COMPREPLY=($(compgen -f -- "$cur"))
			compopt -o filenames 2>/dev/null
		fi
	elif [ "${cmd[0]}" = bench ] && [ ${#cmd[@]} -eq 1 ]; then
		COMPREPLY=($(compgen -W "coalesce" -- "$cur"))
	elif [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_ringvmm_options "${COMP_WORDS[0]}" "${cmd[@]}")" -- "$cur"))
	fi
}
complete -F _ringvmm ringvmm
