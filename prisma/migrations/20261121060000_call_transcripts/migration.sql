-- CreateTable
CREATE TABLE "call_transcripts" (
    "id" BIGSERIAL NOT NULL,
    "call_id" TEXT NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "speaker" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "prompt_id" TEXT,
    "confidence" DOUBLE PRECISION,
    "language" TEXT,
    "duration_ms" INTEGER,
    "spoken_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "call_transcripts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "call_transcripts_call_id_dedupe_key_key" ON "call_transcripts"("call_id", "dedupe_key");

-- AddForeignKey
ALTER TABLE "call_transcripts" ADD CONSTRAINT "call_transcripts_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "calls"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
