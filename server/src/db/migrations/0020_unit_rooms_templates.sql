CREATE TABLE "unit_notification_templates" (
	"unit_id" uuid NOT NULL,
	"event" text NOT NULL,
	"channel" text DEFAULT 'sms' NOT NULL,
	"content" text NOT NULL,
	"append_code_link" boolean DEFAULT false NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "meeting_rooms" ADD COLUMN "unit_id" uuid;--> statement-breakpoint
ALTER TABLE "unit_notification_templates" ADD CONSTRAINT "unit_notification_templates_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "unit_notification_templates_unit_event" ON "unit_notification_templates" USING btree ("unit_id","event");--> statement-breakpoint
ALTER TABLE "meeting_rooms" ADD CONSTRAINT "meeting_rooms_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "meeting_rooms_unit" ON "meeting_rooms" USING btree ("unit_id");