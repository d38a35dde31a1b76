-- Clinic appointments booked by the receptionist (issue 7). Prisma's diff, plus what its schema
-- cannot say: the checks on the values and the partial unique index on booked slots.

-- CreateTable
CREATE TABLE "appointments" (
    "id" BIGSERIAL NOT NULL,
    "confirmation_number" TEXT NOT NULL,
    "customer_name" TEXT NOT NULL,
    "slot_date" DATE NOT NULL,
    "slot_time" TEXT NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL,
    "call_id" TEXT,
    "booking_key" TEXT NOT NULL,
    "caller_phone_masked" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "cancelled_at" TIMESTAMPTZ(3),
    "cancel_key" TEXT,

    CONSTRAINT "appointments_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "appointments_confirmation_number_check" CHECK ("confirmation_number" ~ '^APT-[0-9]{5}$'),
    CONSTRAINT "appointments_slot_time_check" CHECK ("slot_time" ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
    CONSTRAINT "appointments_status_check" CHECK ("status" IN ('BOOKED', 'CANCELLED')),
    CONSTRAINT "appointments_cancelled_check" CHECK (("status" = 'CANCELLED') = ("cancelled_at" IS NOT NULL))
);

-- CreateIndex
CREATE UNIQUE INDEX "appointments_confirmation_number_key" ON "appointments"("confirmation_number");

-- CreateIndex
CREATE UNIQUE INDEX "appointments_booking_key_key" ON "appointments"("booking_key");

-- CreateIndex
CREATE INDEX "appointments_slot_date_idx" ON "appointments"("slot_date");

-- One caller per slot, enforced here rather than by a read before the write: of two concurrent
-- bookings one insert wins and the other conflicts. Cancelled rows drop out of the index, so a
-- cancelled slot can be booked again.
CREATE UNIQUE INDEX "appointments_booked_slot_key" ON "appointments"("slot_date", "slot_time") WHERE "status" = 'BOOKED';
