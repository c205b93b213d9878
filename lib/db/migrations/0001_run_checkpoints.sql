ALTER TABLE "messages" ADD COLUMN "seq" integer;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "owner_node" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "heartbeat_at" timestamp with time zone;