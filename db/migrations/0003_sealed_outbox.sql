ALTER TABLE "outbox" ALTER COLUMN "text" SET DEFAULT '';--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "sealed_body" text;--> statement-breakpoint
-- Bodies of messages already delivered or given up are no longer needed and may carry live codes.
UPDATE "outbox" SET "text" = '', "html" = '' WHERE "status" <> 'pending';
