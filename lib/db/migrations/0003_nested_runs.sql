ALTER TABLE "messages" ADD COLUMN "parent_message_id" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "parent_tool_call_id" text;