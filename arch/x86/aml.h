/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small AML (ACPI Machine Language) encoder: just what ringvmm's DSDT
 * needs, written straight into a caller's buffer. ACPI 6.4 chapter 20 gives
 * the grammar; chapter 6.4 the resource descriptors.
 *
 * Errors are sticky: every emitter is a no-op once one has failed, so a
 * builder emits a whole table and checks rv_aml_err() once at the end
 * (-ENOSPC when the buffer was too small, -EINVAL for a bad name or value).
 *
 * Objects with a PkgLength (Scope, Device, Package, Buffer) are opened with
 * a *_begin() that returns a mark and closed with the matching *_end(mark):
 * the length is only known at the end, so the body is shifted to make room
 * for its 1-4 byte encoding there.
 */
#ifndef RV_X86_AML_H
#define RV_X86_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rv_aml {
	uint8_t *buf;
	size_t size; /* capacity of buf */
	size_t len;  /* bytes emitted so far */
	int err;     /* 0, or the first failure (-ENOSPC, -EINVAL) */
};

void rv_aml_init(struct rv_aml *aml, void *buf, size_t size);
static inline int rv_aml_err(const struct rv_aml *aml)
{
	return aml->err;
}

/* NameString (ACPI 6.4 20.2.2): "\\_SB_", "_S5_", "\\_SB_.COM0", "_HID". */
void rv_aml_name_string(struct rv_aml *aml, const char *path);
/* Integer in its smallest encoding (ZeroOp, OneOp, Byte..QWordConst). */
void rv_aml_integer(struct rv_aml *aml, uint64_t value);
/* String: StringPrefix, ASCII bytes, NUL. */
void rv_aml_string(struct rv_aml *aml, const char *s);
/* EISAID("PNP0501"): the 7-character id compressed into a DWordConst. */
void rv_aml_eisaid(struct rv_aml *aml, const char *id);

/* Name(path, <data object emitted next by the caller>). */
void rv_aml_name(struct rv_aml *aml, const char *path);

size_t rv_aml_scope_begin(struct rv_aml *aml, const char *path);
size_t rv_aml_device_begin(struct rv_aml *aml, const char *path);
/* Package(nr_elements){...}: the caller emits exactly nr_elements objects. */
size_t rv_aml_package_begin(struct rv_aml *aml, uint8_t nr_elements);
/* Close a Scope, Device or Package. */
void rv_aml_end(struct rv_aml *aml, size_t mark);

/*
 * ResourceTemplate(){...}: a Buffer of resource descriptors closed by an End
 * Tag. Emit descriptors with rv_aml_rt_*() between begin and end.
 */
size_t rv_aml_rt_begin(struct rv_aml *aml);
void rv_aml_rt_end(struct rv_aml *aml, size_t mark);

/* IO(Decode16, min, max, align, len). */
void rv_aml_rt_io(struct rv_aml *aml, uint16_t min, uint16_t max, uint8_t align, uint8_t len);
/* IRQNoFlags(){irq}: an ISA IRQ, 0-15, edge and active high. */
void rv_aml_rt_irq_noflags(struct rv_aml *aml, unsigned int irq);
/* Memory32Fixed(ReadWrite or ReadOnly, base, len). */
void rv_aml_rt_memory32_fixed(struct rv_aml *aml, bool writable, uint32_t base, uint32_t len);
/* Interrupt(ResourceConsumer, Level/Edge, ActiveHigh, Exclusive){gsi}. */
void rv_aml_rt_interrupt(struct rv_aml *aml, bool edge, uint32_t gsi);

/* A bridge's windows: WordBusNumber, WordIO and DWordMemory (ResourceProducer, fixed). */
void rv_aml_rt_word_bus_number(struct rv_aml *aml, uint16_t min, uint16_t max);
void rv_aml_rt_word_io(struct rv_aml *aml, uint16_t min, uint32_t len);
void rv_aml_rt_dword_memory(struct rv_aml *aml, uint32_t min, uint32_t len);

#endif
